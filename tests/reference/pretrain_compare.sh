#!/usr/bin/env bash
# Issue 6's comparison (BENCHMARKS.md, "Pretraining"): a WordPiece vocabulary and a BERT-mini
# pretrained on WikiText-2 valid+test, then SST-2 and SQuAD (the article split of
# tests/reference/squad_article_split.py, in /tmp/squad-split) fine-tuned with one recipe from
# three starting points: our pretraining, random weights (same tokenizer), all-MiniLM-L6-v2.
# Needs `cargo build --release -p bert-train` and ../shared. Writes /tmp/wt-* and /tmp/ft3-*.
set -euo pipefail
cd "$(dirname "$0")/../.."
R=target/release
W=../shared/data/wikitext2
M=../shared/models/all-MiniLM-L6-v2

$R/train-tokenizer --files $W/wiki.valid.tokens $W/wiki.test.tokens --output-dir /tmp/wt-tok
rm -rf /tmp/wt-pre
$R/pretrain --train-files $W/wiki.valid.tokens $W/wiki.test.tokens --tokenizer /tmp/wt-tok \
    --model-size mini --epochs 4 --batch-size 32 --lr 3e-4 --warmup-ratio 0.1 --device cpu \
    --output-dir /tmp/wt-pre --logging-steps 20 > /tmp/wt-pre.json

SST="--task sst2 --data-dir ../shared/data/sst2 --max-train-samples 8000 --epochs 2 --batch-size 32 --lr 1e-4 --warmup-ratio 0.1 --weight-decay 0.01 --device cpu --no-index --logging-steps 50"
SQ="--task squad --data-dir /tmp/squad-split --max-train-samples 1500 --max-eval-samples 500 --epochs 2 --max-seq-length 256 --doc-stride 96 --batch-size 16 --lr 1e-4 --warmup-ratio 0.1 --weight-decay 0.01 --device cpu --no-index --logging-steps 50"
for task in SST SQ; do
  for start in pretrained random minilm; do
    case $start in
      pretrained) S="--model /tmp/wt-pre";;
      random) S="--from-scratch mini --tokenizer /tmp/wt-tok/tokenizer.json";;
      minilm) S="--model $M";;
    esac
    out=/tmp/ft3-$task-$start; rm -rf $out
    # shellcheck disable=SC2086
    $R/train ${!task} $S --output-dir $out > $out.json
    python3 -c "import json;m=json.load(open('$out/metrics.json'));print('$task $start', json.dumps(m['best']['metrics']), round(m['train_samples_per_second'],1))"
  done
done
