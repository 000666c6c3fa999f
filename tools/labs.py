"""The labs: every chapter script (``snippets/chNN_*.py``) as an executed notebook.

``make labs`` (``python tools/labs.py``) executes each script as a notebook and keeps
the result in ``.cache/labs/`` (git-ignored). ``mkdocs build`` does the same, from
scratch, every time (see ``tools/mkdocs_hooks.py``): a cell that fails stops the build.
``mkdocs serve`` executes nothing, so the book opens in seconds: it shows the
notebooks of the last ``make labs`` or ``make build``, and where there are none, the
lab's code with a note saying how to run it.

Figures the labs draw go to a temporary folder (or ``$GRADBOOK_FIGURES_DIR``), never
over the book's committed ones.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "snippets"
CACHE = ROOT / ".cache" / "labs"
CELL_TIMEOUT_S = 900


def scripts() -> list[Path]:
    return sorted(SNIPPETS.glob("ch[0-9][0-9]_*.py"))


def source_hash(script: Path) -> str:
    return hashlib.sha256(script.read_bytes()).hexdigest()


def notebook(script: Path) -> nbformat.NotebookNode:
    """The script as an (unexecuted) notebook, stamped with the hash of its source."""
    nb = jupytext.read(script)
    nb.metadata["gradbook"] = {"script": script.name, "source_sha256": source_hash(script)}
    return nb


def execute(script: Path, out_dir: Path) -> Path:
    """Execute ``script`` as a notebook into ``out_dir/<stem>.ipynb``; any error raises."""
    nb = _stable(notebook(script))
    if "GRADBOOK_FIGURES_DIR" not in os.environ:
        raise RuntimeError("set GRADBOOK_FIGURES_DIR: the labs must not redraw the book's figures")
    with tempfile.TemporaryDirectory(prefix="gradbook-lab-") as workdir:
        NotebookClient(
            nb,
            timeout=CELL_TIMEOUT_S,
            kernel_name="python3",
            allow_errors=False,
            resources={"metadata": {"path": workdir}},
        ).execute()
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{script.stem}.ipynb"
    tmp = out.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, out)
    return out


def _note(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(f"> **Note.** {text}")


def _stable(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Cell ids that do not change from build to build (nbformat draws random ones),
    so the same notebook is the same file and its rendered page can be cached."""
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    return nb


def for_serving(script: Path, out_dir: Path) -> Path:
    """The notebook ``mkdocs serve`` shows: the last executed one, or the code with a note."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{script.stem}.ipynb"
    cached = CACHE / out.name
    if cached.is_file():
        nb = nbformat.read(cached, as_version=4)
        if nb.metadata.get("gradbook", {}).get("source_sha256") != source_hash(script):
            nb.cells.insert(
                1,
                _note(
                    f"These outputs come from an earlier version of `snippets/{script.name}`. "
                    "Run `make labs` to execute the current one (the page reloads when it is done)."
                ),
            )
        nbformat.write(_stable(nb), out)
    else:
        nb = notebook(script)
        nb.cells.insert(
            1,
            _note(
                "This lab has not been executed on this machine yet, so it shows the code "
                "without its output. Run `make labs` (a few minutes) and the page reloads "
                f"with every output; or run the script itself: `python snippets/{script.name}`."
            ),
        )
        nbformat.write(_stable(nb), out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these labs (e.g. ch06_pytorch); default all")
    args = parser.parse_args(argv)
    chosen = [s for s in scripts() if not args.names or s.stem in args.names]
    unknown = set(args.names) - {s.stem for s in scripts()}
    if unknown:
        print(f"labs: no such lab: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="gradbook-labs-") as staging:
        os.environ.setdefault("GRADBOOK_FIGURES_DIR", str(Path(staging) / "figures"))
        for script in chosen:
            start = time.perf_counter()
            made = execute(script, Path(staging))
            CACHE.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(made, CACHE / made.name)
            print(f"executed {script.name} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
