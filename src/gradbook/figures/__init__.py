"""Figures as data plus drawing: the numbers a figure shows, and code that draws them.

A chapter script computes what a figure shows and calls `save_figure`, which
writes two files side by side:

- `name.json`: the numbers (a small, readable JSON file), and which function draws them;
- `name.svg`: that function's drawing of exactly those numbers.

Splitting the two is what lets the book check its figures on any machine. The SVG
is a pure function of the JSON, so it must match byte for byte (with the same
matplotlib). The JSON comes from training runs and floating-point sums whose last
bits differ between CPUs, so a fresh run must reproduce it within a stated
tolerance, not bit for bit.

Two things make a drawing reproducible: a fixed `svg.hashsalt` (matplotlib
otherwise derives element ids from random numbers), and no date in the metadata.
The drawing functions live in this package, one module per part of the book.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType  # newer than our oldest matplotlib

STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "gradbook",
    "svg.fonttype": "path",
    "figure.figsize": (6.4, 4.0),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
plt.rcParams.update(STYLE)

DIGITS = 6   # significant digits kept in a figure's data: more than a drawing can show

Drawing = Callable[[dict[str, Any]], Figure]


def figures_dir() -> Path:
    """Where figures go: `$GRADBOOK_FIGURES_DIR` if set, else the book's figure folder.

    Run from a clone of the book, a chapter script refreshes the figures the pages
    show (`docs/assets/figures`); run anywhere else, it writes to `./figures`.
    """
    env = os.environ.get("GRADBOOK_FIGURES_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3]
    book_figures = repo / "docs" / "assets" / "figures"
    if (repo / "mkdocs.yml").exists():
        return book_figures
    return Path.cwd() / "figures"


def svg_bytes(fig: Figure) -> bytes:
    """`fig` as SVG bytes: the same figure gives the same bytes, every time."""
    buffer = io.BytesIO()
    with plt.rc_context(STYLE):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def save_svg(fig: Figure, name: str) -> Path:
    """Save `fig` as `name` (an `.svg`) in `figures_dir`, reproducibly."""
    if not name.endswith(".svg"):
        raise ValueError(f"figure names end in .svg, got {name!r}")
    out = figures_dir() / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(svg_bytes(fig))
    return out


# --8<-- [start:save_figure]
def save_figure(name: str, data: Mapping[str, Any], draw: Drawing) -> Path:
    """Save `data` as `name.json` and its drawing `draw(data)` as `name.svg`.

    `data` holds plain numbers, strings and lists (numpy arrays are turned into
    lists; floats keep `DIGITS` significant digits). `draw` must be a function
    defined at the top level of a module, so the drawing can be made again from
    the JSON alone. The figure is drawn from the data *as read back from the file*,
    so the SVG is exactly the drawing of what was saved.
    """
    if not name.replace("_", "").isalnum():
        raise ValueError(f"figure names are letters, digits and '_', got {name!r}")
    record = {"drawing": drawing_name(draw), "data": plain(data)}
    text = to_json(record)
    out = figures_dir()
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(text, encoding="utf-8", newline="\n")
    return save_svg(draw_record(json.loads(text)), f"{name}.svg")
# --8<-- [end:save_figure]


def drawing_name(draw: Drawing) -> str:
    """`module:function` for a drawing function; refuse one that cannot be imported."""
    module, qualname = getattr(draw, "__module__", None), getattr(draw, "__qualname__", "")
    if not module or module == "__main__" or "<" in qualname or "." in qualname:
        raise ValueError(
            f"{draw!r}: a drawing function must be defined at the top level of a module "
            "(not in a script or inside another function), so it can be imported again")
    return f"{module}:{qualname}"


def draw_record(record: Mapping[str, Any]) -> Figure:
    """The figure a saved record describes: import its drawing function, call it on the data."""
    module, _, function = record["drawing"].partition(":")
    draw = getattr(importlib.import_module(module), function)
    fig = draw(record["data"])
    if not isinstance(fig, Figure):
        raise TypeError(f"{record['drawing']} returned {type(fig).__name__}, not a Figure")
    return fig


def redraw(json_path: Path) -> bytes:
    """The SVG bytes of the figure saved as `json_path` (its `.svg` should hold these)."""
    fig = draw_record(json.loads(Path(json_path).read_text(encoding="utf-8")))
    try:
        return svg_bytes(fig)
    finally:
        plt.close(fig)


def plain(value: Any, digits: int = DIGITS) -> Any:
    """`value` as JSON-ready Python: lists, dicts, str, bool, int, and rounded floats."""
    if isinstance(value, Mapping):
        return {str(k): plain(v, digits) for k, v in value.items()}
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return plain(value.tolist(), digits)          # numpy arrays and scalars, torch tensors
    if isinstance(value, (list, tuple)):
        return [plain(v, digits) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"figure data must be finite numbers, got {value}")
        return float(f"{value:.{digits}g}")
    raise TypeError(f"figure data can hold numbers, strings and lists, not {type(value).__name__}")


def to_json(record: Any) -> str:
    """JSON that reads well and diffs well: one key per line, each list of numbers on one."""
    def dump(value: Any, indent: str) -> str:
        inner = indent + " "
        if isinstance(value, dict) and value:
            items = [f"{inner}{json.dumps(k)}: {dump(v, inner)}" for k, v in value.items()]
            return "{\n" + ",\n".join(items) + "\n" + indent + "}"
        if isinstance(value, list) and any(isinstance(v, (list, dict)) for v in value):
            return "[\n" + ",\n".join(inner + dump(v, inner) for v in value) + "\n" + indent + "]"
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return dump(record, "") + "\n"


def save_text(text: str, name: str) -> Path:
    """Save generated text (a Mermaid diagram, say) as `name` in `figures_dir`.

    The pages include these files, so what a diagram shows is what the code drew.
    """
    out = figures_dir() / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", newline="\n")
    return out
