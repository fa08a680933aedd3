#!/usr/bin/env bash
# Both directions of safetensors interoperability with Python's `safetensors`:
#   Python → Swift: Tests/Fixtures/safetensors/python.safetensors (made by
#                   Scripts/make_safetensors_fixture.py) is read by SafeTensorsTests in CI.
#   Swift → Python: this script has the Swift test write a file and opens it with Python.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv-bench/bin/python ] || { python3 -m venv .venv-bench; .venv-bench/bin/pip install -q safetensors numpy; }
out=$(mktemp --suffix=.safetensors)
CADENZA_INTEROP_OUT="$out" swift test --filter SafeTensorsTests/writesWhatItReads >/dev/null 2>&1
.venv-bench/bin/python - "$out" <<'PY'
import sys
from safetensors import safe_open
with safe_open(sys.argv[1], framework="numpy") as f:
    print("metadata:", f.metadata())
    for name in f.keys():
        s = f.get_slice(name)
        if s.get_dtype() == "BF16":  # numpy has no bfloat16: check the header side only
            print(f"{name}: BF16 {s.get_shape()} (values not shown: numpy lacks bfloat16)")
            continue
        t = f.get_tensor(name)
        print(f"{name}: {t.dtype} {list(t.shape)} {t.ravel().tolist()}")
PY
