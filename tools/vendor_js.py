"""Fetch the pinned Mermaid and MathJax builds from the npm registry into docs/vendor/.

Run by ``make vendor`` (and so by ``make serve``, ``make build`` and ``make test``).
With the files in place the site renders diagrams and math with no network access.
Where npm is not installed this prints a notice and leaves the pages on the CDN.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# Run as a script, this file's folder (tools/) is on sys.path: its neighbours import by name.
from mkdocs_hooks import LOCAL_JS, MATHJAX_VERSION, MERMAID_VERSION, VENDOR, vendored


def npm_pack(spec: str, dest: Path) -> Path:
    out = subprocess.run(
        ["npm", "pack", spec, "--silent", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dest / out.stdout.strip().splitlines()[-1]


def extract(tarball: Path, member_prefix: str, target: Path, skip: tuple[str, ...] = ()) -> None:
    """Copy the files under ``package/<member_prefix>`` of an npm tarball into ``target``."""
    prefix = f"package/{member_prefix}"
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(prefix):
                continue
            rel = member.name[len(prefix) :].lstrip("/")
            if any(rel.startswith(s) for s in skip) or rel.endswith(".map"):
                continue
            out = target / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)


def main() -> int:
    if vendored():
        return 0
    if shutil.which("npm") is None:
        print("vendor: npm not found; pages will load Mermaid and MathJax from the CDN", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        staging = tmp_path / "vendor"
        try:
            mermaid = npm_pack(f"mermaid@{MERMAID_VERSION}", tmp_path)
            mathjax = npm_pack(f"mathjax@{MATHJAX_VERSION}", tmp_path)
        except subprocess.CalledProcessError as exc:
            print(
                f"vendor: npm pack failed ({exc.stderr.strip()[:200]}); pages will use the CDN",
                file=sys.stderr,
            )
            return 0
        extract(mermaid, "dist/mermaid.min.js", staging / "mermaid" / "mermaid.min.js")
        # MathJax loads TeX extensions on demand from beside tex-svg.js; the CHTML
        # fonts are not needed for SVG output.
        extract(
            mathjax,
            "es5",
            staging / "mathjax",
            skip=(
                "output/chtml",
                "tex-chtml",
                "tex-mml",
                "mml-",
                "tex-svg-full",
                "node-main",
                "sre/mathmaps",
            ),
        )
        if VENDOR.exists():
            shutil.rmtree(VENDOR)
        shutil.move(str(staging), VENDOR)
    assert vendored(), f"vendor: expected {list(LOCAL_JS.values())} under docs/"
    print(f"vendor: mermaid {MERMAID_VERSION} and mathjax {MATHJAX_VERSION} in {VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
