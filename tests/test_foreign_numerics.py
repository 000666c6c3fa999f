"""The foreign-numerics pass really runs on other kernels.

``make test-foreign`` (part of ``make test``) runs the page blocks, the figure data
checks and the recorded-run checks a second time with the environment the Makefile
calls ``FOREIGN_NUMERICS``: PyTorch's generic CPU kernels, MKL and OpenBLAS limited to
AVX2, numpy without its AVX-512 loops, one thread. A setting that a library ignored
would make that pass a copy of the first, so each is checked here.
"""

from __future__ import annotations

import os
import platform

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("GRADBOOK_FOREIGN_NUMERICS") != "1",
    reason="checks the environment of `make test-foreign`; not set in this run",
)


def test_pytorch_uses_its_generic_kernels_on_one_thread():
    torch = pytest.importorskip("torch")
    assert torch.backends.cpu.get_cpu_capability() == "DEFAULT"
    assert torch.get_num_threads() == 1


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 settings")
def test_numpy_runs_without_avx512():
    import numpy as np

    features = np._core._multiarray_umath.__cpu_features__
    assert not features.get("X86_V4"), "NPY_DISABLE_CPU_FEATURES was not applied"
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import numpy  # noqa: F401  (loads numpy's OpenBLAS before threadpoolctl looks)

    blas = [i for i in threadpoolctl.threadpool_info() if i.get("internal_api") == "openblas"]
    for info in blas:
        assert info["num_threads"] == 1
        if info.get("architecture"):
            assert info["architecture"] == "Sandybridge"
