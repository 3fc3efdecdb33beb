#!/usr/bin/env bash
# End-to-end node on a GPU machine: ingest bench with --backend gpu, then cpu, side by side, and the
# demo with the auto backend (gpu when present). Writes logs and JSON to $OUT. Under 4 minutes.
set -u
OUT=${OUT:-/tmp/gpu_node}
# shellcheck source=bench/_gpu_env.sh
source "$(dirname "$0")/_gpu_env.sh"
N=${N:-100000}
for be in gpu cpu; do
    echo "== ingest, backend $be, $N records"
    timeout 150 python3 bench/ingest.py --records "$N" --backend "$be" 2>&1 | tail -3 | tee "$OUT/ingest_$be.log"
done
echo "== demo (auto backend)"
timeout 120 python3 -m ledger.cli.main --log-level WARNING demo 2>&1 | tail -12 | tee "$OUT/demo.log"
