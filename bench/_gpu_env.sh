# Sourced by the GPU scripts: repo root as cwd, $OUT created, and the carried wheels in .whl/
# (PyNaCl, rocksdict, pycryptodome, grpcio, protobuf, ...) installed into /tmp/site and put on
# PYTHONPATH. The device image has CuPy and numpy but not these.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p "$OUT"
export PYTHONPATH="$PWD"
if compgen -G ".whl/*.whl" >/dev/null; then
    timeout 120 python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl \
        >"$OUT/pip.log" 2>&1 || echo "pip install of .whl/ failed (see pip.log)"
    export PYTHONPATH="/tmp/site:$PWD"
fi
