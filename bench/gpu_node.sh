#!/usr/bin/env bash
# End-to-end node on a GPU machine: ingest bench with --backend gpu, then cpu, side by side, and the
# demo with the auto backend (gpu when present). Writes logs and JSON to $OUT. Under 4 minutes.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu_node}
mkdir -p "$OUT"
export PYTHONPATH="$PWD"
if compgen -G ".whl/*.whl" >/dev/null; then
    timeout 120 python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl \
        >"$OUT/pip.log" 2>&1 || echo "pip install of .whl/ failed (see pip.log)"
    export PYTHONPATH="/tmp/site:$PWD"
fi
N=${N:-100000}
for be in gpu cpu; do
    echo "== ingest, backend $be, $N records"
    timeout 150 python3 bench/ingest.py --records "$N" --backend "$be" 2>&1 | tail -3 | tee "$OUT/ingest_$be.log"
done
echo "== demo (auto backend)"
timeout 120 python3 -m ledger.cli.main --log-level WARNING demo 2>&1 | tail -12 | tee "$OUT/demo.log"
