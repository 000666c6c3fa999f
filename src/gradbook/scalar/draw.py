"""Pictures of a :class:`~gradbook.scalar.Value` graph, drawn by the library itself.

Two renderings of the same structure: Mermaid text, which the book's pages turn
into diagrams, and a matplotlib figure, saved as SVG where a picture is better.
Each value is a box with its label, data and grad; each operation is its own
round node between the values it reads and the value it makes.
"""

from __future__ import annotations

from dataclasses import dataclass

from gradbook.scalar.engine import Value, topological_order

MAX_NODES = 40


class GraphTooLargeError(ValueError):
    """Raised instead of drawing a graph too big to read."""


@dataclass
class _Graph:
    values: list[Value]                      # topological order: children first
    ids: dict[Value, str]


def _collect(root: Value, max_nodes: int) -> _Graph:
    values = topological_order(root)
    if len(values) > max_nodes:
        raise GraphTooLargeError(
            f"this graph has {len(values)} values; drawings of more than {max_nodes} are "
            "unreadable. Draw a smaller expression, or pass max_nodes=... if you really want it."
        )
    return _Graph(values=values, ids={v: f"v{i}" for i, v in enumerate(values)})


def _text(v: Value, precision: int) -> tuple[str, str, str]:
    return v.label, f"data {v.data:.{precision}f}", f"grad {v.grad:.{precision}f}"


# --8<-- [start:mermaid]
def to_mermaid(root: Value, max_nodes: int = MAX_NODES, precision: int = 4,
               direction: str = "LR") -> str:
    """The graph that computes ``root`` as a Mermaid flowchart (``LR``: left to right,
    ``TB``: top to bottom, better for long chains on a narrow page)."""
    if direction not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"direction must be LR, TB, RL or BT, got {direction!r}")
    graph = _collect(root, max_nodes)
    lines = [f"flowchart {direction}"]
    edges = []
    for v in graph.values:
        vid = graph.ids[v]
        label, data, grad = _text(v, precision)
        title = f"<b>{_escape(label)}</b><br/>" if label else ""
        lines.append(f'    {vid}["{title}{data}<br/>{grad}"]')
        if v.children:
            op = f"{vid}_op"
            lines.append(f'    {op}(("{_escape(v.op)}"))')
            edges += [f"    {graph.ids[c]} --> {op}" for c in v.children]
            edges.append(f"    {op} --> {vid}")
    leaves = ",".join(graph.ids[v] for v in graph.values if not v.children)
    lines += edges
    lines.append("    classDef leaf fill:#e8eaf6,stroke:#3949ab")
    lines.append(f"    class {leaves} leaf")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
# --8<-- [end:mermaid]


def _layout(graph: _Graph) -> tuple[dict[object, tuple[float, float]], int]:
    """Columns by depth (leaves on the left), rows ordered to limit crossings."""
    depth: dict[object, int] = {}
    for v in graph.values:                       # children come first
        if v.children:
            op_depth = 1 + max(depth[c] for c in v.children)
            depth[("op", v)] = op_depth
            depth[v] = op_depth + 1
        else:
            depth[v] = 0
    # Move each leaf right, to just before the first operation that reads it, so a
    # constant used late does not stretch an edge across the whole picture.
    first_use: dict[Value, int] = {}
    for v in graph.values:
        for c in v.children:
            if not c.children:
                column = depth[("op", v)] - 1
                first_use[c] = min(first_use.get(c, column), column)
    depth.update(first_use)
    columns: dict[int, list[object]] = {}
    for node in depth:
        columns.setdefault(depth[node], []).append(node)
    pos: dict[object, tuple[float, float]] = {}
    for col in sorted(columns):
        nodes = columns[col]
        if col > 0:                              # barycentre of what feeds each node
            def height(node) -> float:
                if isinstance(node, tuple):
                    feeds = [pos[c][1] for c in node[1].children]
                elif node.children:
                    feeds = [pos[("op", node)][1]]
                else:
                    feeds = [0.0]                # a leaf: nothing to its left yet
                return -sum(feeds) / len(feeds)
            nodes.sort(key=height)
        for row, node in enumerate(nodes):
            pos[node] = (float(col), (len(nodes) - 1) / 2 - row)
    return pos, max(columns) + 1


# --8<-- [start:svg]
def to_figure(root: Value, max_nodes: int = MAX_NODES, precision: int = 4):
    """The same graph as a matplotlib figure (save it with ``gradbook.figures.save_svg``)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    graph = _collect(root, max_nodes)
    pos, n_cols = _layout(graph)
    n_rows = max(sum(1 for p in pos.values() if p[0] == c) for c in range(n_cols))
    fig, ax = plt.subplots(figsize=(1.9 * n_cols + 0.5, 1.0 * n_rows + 0.8))
    ax.set_axis_off()
    box = dict(boxstyle="round,pad=0.35", facecolor="#e8eaf6", edgecolor="#3949ab")
    made = dict(boxstyle="round,pad=0.35", facecolor="#ffffff", edgecolor="#3949ab")
    circle = dict(boxstyle="circle,pad=0.3", facecolor="#fff3e0", edgecolor="#e65100")
    x_scale = 1.9
    for v in graph.values:
        x, y = pos[v]
        label, data, grad = _text(v, precision)
        text = "\n".join(t for t in (label, data, grad) if t)
        ax.text(x * x_scale, y, text, ha="center", va="center", fontsize=8,
                bbox=made if v.children else box, zorder=3)
        if v.children:
            ox, oy = pos[("op", v)]
            ax.text(ox * x_scale, oy, v.op, ha="center", va="center", fontsize=9,
                    bbox=circle, zorder=3)
            # Shrink each arrow by about half a box (values) or a circle (ops), in points,
            # so that heads stop at the edge instead of hiding under the box.
            edges = [(pos[c], (ox, oy), 34, 12) for c in v.children] + [((ox, oy), (x, y), 12, 36)]
            for start, end, shrink_a, shrink_b in edges:
                ax.add_patch(FancyArrowPatch((start[0] * x_scale, start[1]),
                                             (end[0] * x_scale, end[1]),
                                             arrowstyle="-|>", mutation_scale=10, color="#78909c",
                                             shrinkA=shrink_a, shrinkB=shrink_b, zorder=1))
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(-0.8, (n_cols - 1) * x_scale + 0.8)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    return fig
# --8<-- [end:svg]
