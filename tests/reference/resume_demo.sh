#!/usr/bin/env bash
# A MiniLM SST-2 run killed with SIGKILL mid-epoch and resumed vs the same run uninterrupted
# (BENCHMARKS.md, "Resume"). Needs target/release/train and ../shared; writes /tmp/rs-*.
cd "$(dirname "$0")/../.."
F="--task sst2 --data-dir ../shared/data/sst2 --model ../shared/models/all-MiniLM-L6-v2 --max-train-samples 1500 --epochs 2 --batch-size 32 --lr 5e-5 --warmup-ratio 0.1 --weight-decay 0.01 --device cpu --no-index --save-steps 10 --logging-steps 10"
rm -rf /tmp/rs-whole /tmp/rs-cut
target/release/train $F --output-dir /tmp/rs-whole > /tmp/rs-whole.out 2>/tmp/rs-whole.err
target/release/train $F --output-dir /tmp/rs-cut > /dev/null 2>/tmp/rs-cut.err &
PID=$!
while [ ! -d /tmp/rs-cut/checkpoint-30 ]; do sleep 0.2; done
kill -9 $PID; wait $PID 2>/dev/null
echo "killed at: $(ls /tmp/rs-cut | grep checkpoint)" > /tmp/rs-report.txt
target/release/train $F --output-dir /tmp/rs-cut --resume > /tmp/rs-cut.out 2>/tmp/rs-cut2.err
grep "resume:" /tmp/rs-cut2.err >> /tmp/rs-report.txt
python3 - >> /tmp/rs-report.txt <<'PY'
import json, hashlib
a=json.load(open('/tmp/rs-whole/metrics.json')); b=json.load(open('/tmp/rs-cut/metrics.json'))
for k in ['evals','train_loss','train_steps']:
    print(k, 'same' if a[k]==b[k] else 'DIFF', json.dumps(a[k]), json.dumps(b[k]))
def h(d):
    x=open(d+'/model.safetensors','rb').read(); n=int.from_bytes(x[:8],'little'); return hashlib.sha256(x[8+n:]).hexdigest()[:16]
print('tensor data sha256', h('/tmp/rs-whole'), h('/tmp/rs-cut'))
PY
echo done >> /tmp/rs-report.txt
