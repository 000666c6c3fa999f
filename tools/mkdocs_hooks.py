"""MkDocs hooks: offline JavaScript, labs made from the chapter scripts.

1. Mermaid and MathJax are served from ``docs/vendor/`` when ``make vendor`` has
   fetched them (pinned, from the npm registry), so pages render with no network.
   Without them, the pages fall back to the public CDN.
2. Every ``snippets/chNN_*.py`` becomes ``labs/chNN_*.ipynb`` for mkdocs-jupyter to
   render, with the notebook offered for download. ``mkdocs build`` executes every
   lab afresh (``tools/labs.py``; a failing cell fails the build) and keeps the
   executed notebooks in ``.cache/labs``. ``mkdocs serve`` executes nothing: it shows
   those notebooks, or the code with a note saying how to run it (``make labs``),
   and caches the notebooks' HTML, so the book opens and reloads in seconds.
3. Lab pages lose the MathJax 2 loader nbconvert adds: the site's MathJax 3 serves
   them, once their ``$…$`` math is marked up the way arithmatex marks the chapters'.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

# tools/labs.py, by name: MkDocs puts a hook's folder on sys.path while it loads the
# hook, and a script run from tools/ (vendor_js.py) has that folder there already.
import labs
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]

VENDOR = ROOT / "docs" / "vendor"

MERMAID_VERSION = "11.12.0"
MATHJAX_VERSION = "3.2.2"

LOCAL_JS = {
    "mermaid": "vendor/mermaid/mermaid.min.js",
    "mathjax": "vendor/mathjax/tex-svg.js",
}
CDN_JS = {
    "mermaid": f"https://unpkg.com/mermaid@{MERMAID_VERSION}/dist/mermaid.min.js",
    "mathjax": f"https://cdn.jsdelivr.net/npm/mathjax@{MATHJAX_VERSION}/es5/tex-svg.js",
}

_LAB_DIR: Path | None = None
_SERVING = False


def vendored() -> bool:
    """True when the pinned Mermaid and MathJax builds lie in ``docs/vendor``."""
    return all((ROOT / "docs" / rel).is_file() for rel in LOCAL_JS.values())


def _temporary_dir(prefix: str) -> str:
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def on_startup(command: str, dirty: bool) -> None:
    global _SERVING
    _SERVING = command == "serve"


def on_config(config):
    global _LAB_DIR
    source = LOCAL_JS if vendored() else CDN_JS
    # MathJax's configuration must exist before MathJax itself loads.
    config.extra_javascript[:0] = [
        "javascripts/mathjax-config.js",
        source["mathjax"],
        source["mermaid"],
        "javascripts/mermaid-readable.js",
    ]
    # Labs execute the chapter scripts, which save figures: keep those out of docs/
    # so a `mkdocs serve` rebuild does not trigger another rebuild.
    if "GRADBOOK_FIGURES_DIR" not in os.environ:
        os.environ["GRADBOOK_FIGURES_DIR"] = _temporary_dir("gradbook-lab-figures-")
    _LAB_DIR = Path(_temporary_dir("gradbook-labs-"))
    if _SERVING:  # notebooks' HTML cached by content: a page edit rebuilds in seconds
        config.plugins["mkdocs-jupyter"].config["cache"] = True
    return config


def on_serve(server, config, builder):
    labs.CACHE.mkdir(parents=True, exist_ok=True)
    server.watch(str(labs.CACHE))  # `make labs` in another terminal reloads the pages
    return server


@event_priority(100)  # before mkdocs-jupyter looks for notebooks
def on_files(files: Files, config):
    assert _LAB_DIR is not None
    for script in labs.scripts():
        if _SERVING:
            notebook = labs.for_serving(script, _LAB_DIR / "labs")
        else:
            notebook = labs.execute(script, _LAB_DIR / "labs")
            labs.CACHE.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(notebook, labs.CACHE / notebook.name)
        # A plain File rooted in the temporary folder (mkdocs-jupyter cannot wrap
        # File.generated objects).
        files.append(File(f"labs/{notebook.name}", str(_LAB_DIR), config.site_dir, config.use_directory_urls))
    return files


_MATHJAX2 = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)


_MARKDOWN_CELL = re.compile(r'(<div class="[^"]*\bjp-MarkdownOutput\b[^"]*"[^>]*>)(.*?)(</div>)', re.S)
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$([^$\n]+?)\$")


def _mark_math(html: str) -> str:
    """``$$…$$`` and ``$…$`` in a notebook's Markdown, marked up as arithmatex does."""
    html = _DISPLAY_MATH.sub(r'<div class="arithmatex">\\[\1\\]</div>', html)
    return _INLINE_MATH.sub(r'<span class="arithmatex">\\(\1\\)</span>', html)


def on_post_page(output: str, page, config) -> str:
    if page.file.src_uri.startswith("labs/") and page.file.src_uri.endswith(".ipynb"):
        output = _MATHJAX2.sub("", output)
        output = _MARKDOWN_CELL.sub(lambda m: m.group(1) + _mark_math(m.group(2)) + m.group(3), output)
    return output
