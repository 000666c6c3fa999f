"""Shared fixtures: the built site (built once per run), and the device of the ``gpu`` tests.

What tests share that is not a fixture (the repository's folders, marks, helpers) is
in ``tests/helpers.py``; hypothesis strategies are in ``tests/strategies.py``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import ROOT

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class SiteBuild:
    site: Path  # the built site
    log: str  # what mkdocs printed
    lab_figures: Path  # the figures the labs (the chapter scripts, executed) wrote


@pytest.fixture(scope="session")
def site_build(tmp_path_factory) -> SiteBuild:
    """Run ``mkdocs build --strict`` as a reader would; the labs are executed on the way."""
    site = tmp_path_factory.mktemp("site")
    lab_figures = tmp_path_factory.mktemp("lab-figures")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "GRADBOOK_FIGURES_DIR": str(lab_figures)}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed (exit {proc.returncode}):\n{log}")
    return SiteBuild(site, log, lab_figures)


@pytest.fixture(scope="session")
def built_site(site_build) -> tuple[Path, str]:
    """(site dir, build log) of the one site build of this run."""
    return site_build.site, site_build.log


# The tests marked `gpu` (tests/test_gpu.py) run on the device this variable names,
# "cuda" unless told; tools/gpu_check.py's smoke run sets it to "cpu" so they cannot rot.
GPU_TEST_DEVICE = "GRADBOOK_GPU_TEST_DEVICE"


def _gpu_test_device() -> str:
    return os.environ.get(GPU_TEST_DEVICE, "cuda")


def _has_cuda_device(device: str) -> bool:
    """Whether `device` ("cuda" or "cuda:N") exists; torch is imported only if installed."""
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    if not torch.cuda.is_available():
        return False
    index = torch.device(device).index
    return index is None or index < torch.cuda.device_count()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a test marked `gpu` when its device is CUDA and this machine has none."""
    if item.get_closest_marker("gpu") is None:
        return
    device = _gpu_test_device()
    if device.startswith("cuda") and not _has_cuda_device(device):
        pytest.skip(
            f"needs CUDA ({device}); `make gpu-check SMOKE=1` runs these on the CPU "
            f"(or set {GPU_TEST_DEVICE}=cpu)"
        )


@pytest.fixture
def gpu_device() -> torch.device:
    """The torch.device the `gpu` tests run on (the skip above has checked it exists)."""
    import torch

    return torch.device(_gpu_test_device())
