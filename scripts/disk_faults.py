#!/usr/bin/env python3
"""A full disk and a read-only folder, for real: `train` and `pretrain` write their output on a
tmpfs mount (root only: it mounts), and the script checks what a user would.

- Read-only folder: the run is refused before its first step, naming the folder.
- Full disk: the run is paused once a checkpoint is in place, the rest of the mount is filled
  (all of it, or all but half a checkpoint, so that the next checkpoint save runs out midway),
  and it goes on; it must stop with an error naming the file and the cause, leave no
  temporary file or half-written checkpoint behind, and after space is freed, `--resume`
  must end bit-identical (weights, evaluations, losses) to an uninterrupted run.

    cargo build --bin train --bin pretrain         # or --release, with --bin-dir target/release
    sudo python3 scripts/disk_faults.py --bin-dir target/debug

Data: that of scripts/kill_resume.py (bundled SST-2 rows, a synthetic corpus)."""

import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kill_resume import (ROOT, sst2, wiki, train_cmd, pretrain_cmd, weights, metrics,  # noqa: E402
                         has_checkpoint)

MOUNT_MIB = 64


def sh(*cmd):
    subprocess.run(cmd, check=True)


def leftovers(out):
    """Temporary files and unfinished saves under `out`."""
    return sorted(str(p.relative_to(out)) for p in out.rglob("*")
                  if ".tmp" in p.name or p.name in (".saving", ".write-check"))


def read_only(name, make, src, bins, mnt):
    out = mnt / name
    out.mkdir()
    sh("mount", "-o", "remount,ro", str(mnt))
    try:
        t = time.time()
        r = subprocess.run(make(bins, src, out), capture_output=True, text=True)
        secs = time.time() - t
    finally:
        sh("mount", "-o", "remount,rw", str(mnt))
    err = r.stderr.strip().splitlines()[-1].replace(str(mnt), "MNT") if r.stderr.strip() else ""
    ok = r.returncode != 0 and "cannot write in the output folder" in err and '"step"' not in r.stderr
    return dict(refused=ok, seconds=round(secs, 1), message=err)


def fill(mnt, leave):
    """Fills the mount but `leave` bytes; returns the filler's path."""
    filler = mnt / "filler"
    with open(filler, "wb", buffering=0) as f:
        for chunk in (1 << 16, 1 << 12):  # tmpfs allocates pages: then nothing is left
            try:
                while True:
                    f.write(b"\0" * chunk)
            except OSError:
                pass
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


def full_disk(name, make, src, bins, mnt, whole, half_a_checkpoint):
    """`half_a_checkpoint`: leave half a checkpoint's bytes free, so that the next checkpoint
    save runs out of space midway (else the log, the next small write, does)."""
    out = mnt / f"{name}-{'mid-checkpoint' if half_a_checkpoint else 'full'}"
    cmd = make(bins, src, out)
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t = time.time()
    while not has_checkpoint(out):
        if p.poll() is not None or time.time() - t > 600:
            sys.exit(f"{name}: no checkpoint appeared")
        time.sleep(0.005)
    p.send_signal(signal.SIGSTOP)
    first = next(c for c in out.glob("checkpoint-*") if (c / "trainer_state.json").exists())
    size = sum(f.stat().st_size for f in first.iterdir())
    filler = fill(mnt, size // 2 if half_a_checkpoint else 0)
    p.send_signal(signal.SIGCONT)
    _, stderr = p.communicate()
    err = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    left = leftovers(out)
    failed_clearly = p.returncode != 0 and "No space left on device" in err and str(out) in err
    filler.unlink()
    r = subprocess.run(cmd + ["--resume"], capture_output=True, text=True)
    if r.returncode != 0:
        return dict(stopped_clearly=failed_clearly, message=err, leftovers=left,
                    resumed=False, resume_error=r.stderr.strip()[-400:])
    resumed_from = next((l for l in r.stderr.splitlines() if l.startswith("resume:")), "")
    return dict(stopped_clearly=failed_clearly, message=err.replace(str(mnt), "MNT"),
                leftovers=left, resumed=True,
                resumed_from=resumed_from.replace(str(mnt), "MNT"),
                identical_weights=weights(whole) == weights(out),
                identical_metrics=metrics(whole) == metrics(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=str(ROOT / "target/release"))
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("disk_faults.py mounts a tmpfs: run it as root")
    bins = Path(a.bin_dir)
    tmp = Path(tempfile.mkdtemp(prefix="disk-faults-"))
    mnt = tmp / "mnt"
    mnt.mkdir()
    sh("mount", "-t", "tmpfs", "-o", f"size={MOUNT_MIB}m", "tmpfs", str(mnt))
    results = {}
    try:
        data, corpus = sst2(tmp), wiki(tmp, 1)
        for name, make, src in (("train", train_cmd, data), ("pretrain", pretrain_cmd, corpus)):
            whole = tmp / f"{name}-whole"
            subprocess.run(make(bins, src, whole), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            results[name] = dict(read_only=read_only(name + "-ro", make, src, bins, mnt),
                                 full_disk=full_disk(name, make, src, bins, mnt, whole, False),
                                 mid_checkpoint=full_disk(name, make, src, bins, mnt, whole, True))
            print(f"{name}: {json.dumps(results[name], indent=1)}", flush=True)
    finally:
        subprocess.run(["umount", str(mnt)])
        shutil.rmtree(tmp, ignore_errors=True)
    ok = all(r["read_only"]["refused"] and all(
        f["stopped_clearly"] and not f["leftovers"] and f["resumed"]
        and f["identical_weights"] and f["identical_metrics"]
        for f in (r["full_disk"], r["mid_checkpoint"])) for r in results.values())
    print("all checks passed" if ok else "some checks FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
