//! Reading model outputs back to the host: synchronously natively, awaited in the browser
//! (WebGPU cannot block on a buffer map).

use burn::tensor::{Tensor, TensorData};

use crate::PipelineError;

fn to_vec(data: TensorData) -> Result<Vec<f32>, PipelineError> {
    data.convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| PipelineError::Device(format!("reading the model output: {e:?}")))
}

/// Blocks until the values are on the host.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn read(tensor: Tensor<2>) -> Result<Vec<f32>, PipelineError> {
    let data = tensor
        .try_into_data()
        .map_err(|e| PipelineError::Device(format!("{e:?}")))?;
    to_vec(data)
}

/// Waits for the values without blocking the thread.
pub(crate) async fn read_async(tensor: Tensor<2>) -> Result<Vec<f32>, PipelineError> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| PipelineError::Device(format!("{e:?}")))?;
    to_vec(data)
}
