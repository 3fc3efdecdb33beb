#!/usr/bin/env bash
# Everything a lent GPU machine should check, in one call (about 6 minutes on an H200), most
# important first so a cut-off run still answers the first questions:
#   1. bench/gpu_check.sh: parity tests on the device, then bench/kernels.py;
#   2. bench/ingest.py with --backend gpu, then cpu, side by side on the same cores;
#   3. `creditledger verify` of the gpu run's store with --backend gpu, then cpu;
#   4. the demo with the auto backend (gpu when present).
# The device tool brings back at most 8 files, so the per-step files are packed into one tarball
# and the JSON lines into $OUT/summary.jsonl. Set N for the ingest size (default 200000).
set -u
export PYTHONUNBUFFERED=1
FINAL_OUT=${OUT:-/tmp/gpu_session}
mkdir -p "$FINAL_OUT"
WORK=/tmp/gpu_session_work
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$(dirname "$0")/.."
N=${N:-200000}
SUMMARY="$FINAL_OUT/summary.jsonl"
: >"$SUMMARY"

echo "== 1. parity and kernel throughput"
OUT="$WORK/check" timeout 330 bash bench/gpu_check.sh
echo "gpu_check rc=$?"
[ -f "$WORK/check/kernels_bench.json" ] && cat "$WORK/check/kernels_bench.json" >>"$SUMMARY"

# gpu_check.sh installed the carried wheels; reuse them.
export PYTHONPATH="/tmp/site:$PWD"
export CREDITLEDGER_KERNEL_CACHE=/tmp/creditledger-kernels

for be in gpu cpu; do
    echo "== 2. ingest, backend $be, $N records"
    keep=()
    [ "$be" = gpu ] && keep=(--keep "$WORK/home_gpu")
    timeout 150 python3 bench/ingest.py --records "$N" --backend "$be" "${keep[@]}" >"$WORK/ingest_$be.log" 2>&1
    echo "ingest $be rc=$?"
    tail -1 "$WORK/ingest_$be.log" | tee -a "$SUMMARY"
done

if [ -f "$WORK/home_gpu/config.json" ]; then
    for be in gpu cpu; do
        echo "== 3. audit, backend $be"
        timeout 90 python3 -m ledger.cli.main --log-level WARNING verify --config "$WORK/home_gpu/config.json" \
            --backend "$be" >"$WORK/audit_$be.log" 2>&1
        echo "audit $be rc=$?"
        tail -1 "$WORK/audit_$be.log" | tee -a "$SUMMARY"
    done
fi

cp "$WORK"/home_gpu/*.log "$WORK"/ 2>/dev/null
echo "== 4. demo (auto backend)"
timeout 120 python3 -m ledger.cli.main --log-level WARNING demo >"$WORK/demo.log" 2>&1
echo "demo rc=$?"
tail -3 "$WORK/demo.log"

rm -rf "$WORK/home_gpu"
tar -C "$WORK" -czf "$FINAL_OUT/logs.tgz" .
echo "== summary"
cat "$WORK/check/status.txt" 2>/dev/null
tail -25 "$WORK/check/gpu_tests.log" 2>/dev/null
cat "$SUMMARY"
