"""Shared fixtures: the built site (built once per run).

What tests share that is not a fixture (the repository's folders, marks, helpers) is
in ``tests/helpers.py``; hypothesis strategies are in ``tests/strategies.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import ROOT


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
