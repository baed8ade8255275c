#!/usr/bin/env bash
# Times biggan4j and BigGAN-PyTorch on the same configuration, one run each in turn, ROUNDS times,
# and prints each pair's seconds per iteration and their ratio (reference / biggan4j). This machine's
# speed drifts between runs minutes apart, so only ratios within a pair are compared (README,
# Performance). Both get the launcher's allocator variables; POLICIES lists OpenMP wait policies to
# try (PASSIVE, ACTIVE, or "default": libgomp's own brief spinning).
# Usage: reference/side_by_side.sh ROUNDS CONFIG WARMUP RUNS [bf16]
#   CONFIG: fmnist-demo | cifar | biggan128 (as in biggan_pytorch_train.py)
#   env: BIGGAN_PYTORCH (checkout), PYTHON (an interpreter with torch; default python3),
#        POLICIES (default "PASSIVE"), OPENBLAS_NUM_THREADS (both sides)
set -eu
ROUNDS=$1; CONFIG=$2; WARMUP=$3; RUNS=$4; BF16=${5:-}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=1073741824 MALLOC_ARENA_MAX=1
case $CONFIG in
  fmnist-demo) OURS=(--preset fmnist-demo) ;;
  cifar) OURS=(--preset biggan-cifar --set model.image_channels=3) ;;
  biggan128) OURS=(--preset biggan-128 --set model.ch=32 --set training.batch_size=16
                   --set training.accumulation=1 --set model.image_channels=3 --set model.classes=1000) ;;
  *) echo "side_by_side.sh: CONFIG must be fmnist-demo, cifar or biggan128, got '$CONFIG'." >&2; exit 2 ;;
esac
[ "$BF16" = bf16 ] && OURS+=(--set training.bf16=true)
# The launcher builds the jar when needed; the runs below call java directly because the launcher
# would set OMP_WAIT_POLICY=PASSIVE where "default" must leave it unset.
./biggan4j --version >/dev/null
# biggan4j prints one JSON document; the reference prints its model summary, then one JSON line.
seconds() { python3 -c "
import json, sys
text = sys.stdin.read().strip()
try:
    doc = json.loads(text)
except ValueError:
    doc = json.loads(text.splitlines()[-1])
print(round(doc['seconds_per_iteration'], 4))"; }
for r in $(seq 1 "$ROUNDS"); do
  for policy in ${POLICIES:-PASSIVE}; do
    if [ "$policy" = default ]; then wait=(-u OMP_WAIT_POLICY GOMP_SPINCOUNT=300000); else wait=(OMP_WAIT_POLICY=$policy); fi
    ours=$(env "${wait[@]}" java ${BIGGAN4J_JAVA_OPTS:--Xmx6g} -Dbiggan4j.home="$here" -jar target/biggan4j.jar bench train "${OURS[@]}" --threads 2 --warmup "$WARMUP" --runs "$RUNS" --json 2>/dev/null | seconds)
    ref=$(env "${wait[@]}" "${PYTHON:-python3}" reference/biggan_pytorch_train.py "$CONFIG" 2 "$WARMUP" "$RUNS" $BF16 2>/dev/null | seconds)
    echo "$(date +%T) round $r $CONFIG ${BF16:-float32} $policy biggan4j $ours reference $ref ratio $(python3 -c "print(round($ref / $ours, 3))")"
  done
done
