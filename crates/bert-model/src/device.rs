//! Picking the device at run time (native): a wgpu GPU (Vulkan, Metal or DX12) or the CPU.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;
use burn::tensor::wgpu::{WgpuBackend, wgpu};

use crate::BertError;

/// What `--device` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// A hardware GPU through wgpu when one exists, else the CPU.
    #[default]
    Auto,
    /// Any wgpu adapter (the graphics API chosen by wgpu), software ones included.
    Gpu,
    Vulkan,
    Metal,
    Dx12,
    /// Burn's Flex backend.
    Cpu,
}

impl FromStr for DeviceChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "auto" => Self::Auto,
            "gpu" | "wgpu" => Self::Gpu,
            "vulkan" => Self::Vulkan,
            "metal" => Self::Metal,
            "dx12" => Self::Dx12,
            "cpu" | "flex" => Self::Cpu,
            other => {
                return Err(format!(
                    "unknown device \"{other}\" (auto, gpu, vulkan, metal, dx12, cpu)"
                ));
            }
        })
    }
}

/// A device and a line saying what it is.
#[derive(Debug, Clone)]
pub struct SelectedDevice {
    pub device: Device,
    pub description: String,
    pub is_gpu: bool,
}

impl fmt::Display for SelectedDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)
    }
}

/// Opens the device for `choice`. `Auto` falls back to the CPU when wgpu finds no adapter or
/// only a software one (lavapipe, SwiftShader), and says why.
pub fn select_device(choice: DeviceChoice) -> Result<SelectedDevice, BertError> {
    let api = match choice {
        DeviceChoice::Cpu => return Ok(cpu("")),
        DeviceChoice::Auto | DeviceChoice::Gpu => WgpuBackend::Auto,
        DeviceChoice::Vulkan => WgpuBackend::Vulkan,
        DeviceChoice::Metal => WgpuBackend::Metal,
        DeviceChoice::Dx12 => WgpuBackend::Dx12,
    };
    let opened = Device::wgpu_options().graphics_api(api).init_with_setup();
    match (opened, choice) {
        (Ok((device, setup)), _) => {
            let info = setup.adapter.get_info();
            if choice == DeviceChoice::Auto && info.device_type == wgpu::DeviceType::Cpu {
                return Ok(cpu(&format!(
                    " (wgpu offers only the software adapter \"{}\"; use --device gpu to force it)",
                    info.name
                )));
            }
            Ok(SelectedDevice {
                device,
                description: format!(
                    "GPU: {} via {:?} ({:?})",
                    info.name, info.backend, info.device_type
                ),
                is_gpu: true,
            })
        }
        (Err(e), DeviceChoice::Auto) => Ok(cpu(&format!(" (no wgpu adapter: {e})"))),
        (Err(e), _) => Err(BertError::Input(format!(
            "cannot open the {choice:?} device: {e}"
        ))),
    }
}

fn cpu(note: &str) -> SelectedDevice {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    SelectedDevice {
        device: Device::flex(),
        description: format!("CPU: burn-flex, {threads} threads{note}"),
        is_gpu: false,
    }
}
