#!/usr/bin/env python3
"""Writes Tests/Fixtures/safetensors/python.safetensors with Python's `safetensors` (numpy
flavour): the interoperability fixture the Swift reader is tested against, so CI needs no
Python. Run once; the output is committed.

    python3 -m venv .venv-bench && .venv-bench/bin/pip install safetensors numpy
    .venv-bench/bin/python Scripts/make_safetensors_fixture.py
"""
import os
import numpy as np
from safetensors.numpy import save_file

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "Tests", "Fixtures", "safetensors", "python.safetensors")
tensors = {
    "tok.weight": np.arange(12, dtype=np.float32).reshape(3, 4) / 8 - 0.5,
    "head.bias": np.array([1.5, -2.25, 65504.0], dtype=np.float16),
    "blocks.0.qkv.weight": (np.arange(6, dtype=np.int8) - 3).reshape(2, 3),
    "scalar": np.array(3.0, dtype=np.float32),
}
save_file(tensors, out, metadata={"model": '{"arch":"transformer"}', "note": "written by safetensors"})
print(out)
