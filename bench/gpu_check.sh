#!/usr/bin/env bash
# GPU check, one script for a CUDA machine (< 5 minutes on an H200):
#   1. installs the wheels in .whl/ (PyNaCl etc.) into /tmp/site if present;
#   2. runs the GPU parity suite (tests/test_kernels_gpu.py + fallback + import checks);
#   3. runs bench/kernels.py with GPU sizes up to 4M.
# Logs and the bench JSON go to $OUT (default /tmp/gpu_check). Exit status is non-zero if the
# tests or the bench fail.
set -u
OUT=${OUT:-/tmp/gpu_check}
# shellcheck source=bench/_gpu_env.sh
source "$(dirname "$0")/_gpu_env.sh"
export CREDITLEDGER_KERNEL_CACHE="${CREDITLEDGER_KERNEL_CACHE:-/tmp/creditledger-kernels}"
(nvidia-smi || true) >"$OUT/nvidia-smi.txt" 2>&1
python3 -c "import cupy; print('cupy', cupy.__version__)" 2>&1 | tee "$OUT/env.txt"

echo "== GPU parity tests"
timeout 150 python3 -m pytest -q -p no:cacheprovider -rs \
    tests/test_kernels_gpu.py tests/test_kernels_fallback.py tests/test_kernels_imports.py 2>&1 | tee "$OUT/gpu_tests.log"
rc_tests=${PIPESTATUS[0]}

echo "== bench/kernels.py"
KBENCH_GPU_SIZES="${KBENCH_GPU_SIZES:-1k,32k,256k,1M,4M}" OUT="$OUT" \
    timeout 150 python3 bench/kernels.py "${KBENCH_SIZES:-1k,8k,32k}" 2>&1 | tee "$OUT/kernels_bench.log"
rc_bench=${PIPESTATUS[0]}

echo "tests rc=$rc_tests bench rc=$rc_bench" | tee "$OUT/status.txt"
[ "$rc_tests" -eq 0 ] && [ "$rc_bench" -eq 0 ]
