"""Pictures of a `Value` graph, drawn by the library itself.

Two renderings of the same structure: Mermaid text, which the book's pages turn
into diagrams, and a matplotlib figure, saved as SVG where a picture is better.
Each value is a box with its label, data and grad; each operation is its own
round node between the values it reads and the value it makes.

The figure is made in two steps: `graph_data` lays the graph out as plain
lists and text, and `draw_graph` draws that, so a chapter script can save
the description beside the picture (`gradbook.figures.save_figure`).
`to_figure` does both.

A whole network's graph is too big for that, value by value. For a multi-layer
perceptron, `network_data` keeps one box per neuron and one edge per weight,
and `draw_network` draws that summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gradbook.scalar.engine import Value, topological_order

if TYPE_CHECKING:                     # matplotlib is needed only to draw a figure
    from matplotlib.figure import Figure

# A node of the drawing: a value's box, or the round node of the operation that made it.
Node = Value | tuple[str, Value]

MAX_NODES = 40
X_SCALE = 1.9                         # width of a column in a figure, in the units of a row


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
    """The graph that computes `root` as a Mermaid flowchart (`LR`: left to right,
    `TB`: top to bottom, better for long chains on a narrow page)."""
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


def _layout(graph: _Graph) -> tuple[dict[Node, tuple[float, float]], int]:
    """Columns by depth (leaves on the left), rows ordered to limit crossings."""
    depth: dict[Node, int] = {}
    for v in graph.values:                       # children come first
        if v.children:
            op_depth = 1 + max(depth[c] for c in v.children)
            depth[("op", v)] = op_depth
            depth[v] = op_depth + 1
        else:
            depth[v] = 0
    # Move each leaf right, to just before the first operation that reads it, so a
    # constant used late does not stretch an edge across the whole picture.
    first_use: dict[Node, int] = {}
    for v in graph.values:
        for c in v.children:
            if not c.children:
                column = depth[("op", v)] - 1
                first_use[c] = min(first_use.get(c, column), column)
    depth.update(first_use)
    columns: dict[int, list[Node]] = {}
    for node in depth:
        columns.setdefault(depth[node], []).append(node)
    pos: dict[Node, tuple[float, float]] = {}
    for col in sorted(columns):
        nodes = columns[col]
        if col > 0:                              # barycentre of what feeds each node
            def height(node: Node) -> float:
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
def graph_data(root: Value, max_nodes: int = MAX_NODES, precision: int = 4) -> dict[str, Any]:
    """What `draw_graph` needs to draw the graph of `root`: plain lists and text.

    `values`: one entry per value, children first, with its `id`, its `text`
    (label, data and grad) and where it sits (`at`: column, row); a value made by
    an operation also has the operation (`op`), where its round node sits
    (`op_at`) and the ids of the values it reads (`inputs`). `size`: the
    figure's width and height in inches, enough for every box.
    """
    graph = _collect(root, max_nodes)
    pos, n_cols = _layout(graph)
    n_rows = max(sum(1 for p in pos.values() if p[0] == c) for c in range(n_cols))
    values = []
    for v in graph.values:
        entry = {"id": graph.ids[v], "text": "\n".join(t for t in _text(v, precision) if t),
                 "at": list(pos[v])}
        if v.children:
            entry.update(op=v.op, op_at=list(pos[("op", v)]),
                         inputs=[graph.ids[c] for c in v.children])
        values.append(entry)
    size = [round(X_SCALE * n_cols + 0.5, 2), round(1.0 * n_rows + 0.8, 2)]
    return {"size": size, "values": values}


def draw_graph(data: dict[str, Any]) -> Figure:
    """Draw `graph_data`'s description of a graph: boxes, round operations, arrows."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    fig, ax = plt.subplots(figsize=tuple(data["size"]))
    ax.set_axis_off()
    box = dict(boxstyle="round,pad=0.35", facecolor="#e8eaf6", edgecolor="#3949ab")
    made = dict(boxstyle="round,pad=0.35", facecolor="#ffffff", edgecolor="#3949ab")
    circle = dict(boxstyle="circle,pad=0.3", facecolor="#fff3e0", edgecolor="#e65100")
    at = {v["id"]: v["at"] for v in data["values"]}
    for v in data["values"]:
        x, y = v["at"]
        made_by_op = "op" in v
        ax.text(x * X_SCALE, y, v["text"], ha="center", va="center", fontsize=8,
                bbox=made if made_by_op else box, zorder=3)
        if made_by_op:
            ox, oy = v["op_at"]
            ax.text(ox * X_SCALE, oy, v["op"], ha="center", va="center", fontsize=9,
                    bbox=circle, zorder=3)
            # Shrink each arrow by about half a box (values) or a circle (ops), in points,
            # so that heads stop at the edge instead of hiding under the box.
            edges = [(at[c], (ox, oy), 34, 12) for c in v["inputs"]] + [((ox, oy), (x, y), 12, 36)]
            for start, end, shrink_a, shrink_b in edges:
                ax.add_patch(FancyArrowPatch((start[0] * X_SCALE, start[1]),
                                             (end[0] * X_SCALE, end[1]),
                                             arrowstyle="-|>", mutation_scale=10, color="#78909c",
                                             shrinkA=shrink_a, shrinkB=shrink_b, zorder=1))
    spots = [p for v in data["values"] for p in (v["at"], v.get("op_at", v["at"]))]
    ax.set_xlim(-0.8, max(p[0] for p in spots) * X_SCALE + 0.8)
    ax.set_ylim(min(p[1] for p in spots) - 0.7, max(p[1] for p in spots) + 0.7)
    return fig


def to_figure(root: Value, max_nodes: int = MAX_NODES, precision: int = 4) -> Figure:
    """The same graph as a matplotlib figure: `draw_graph(graph_data(root))`.

    Save it with `gradbook.figures.save_svg`, or save the data with the picture:
    `save_figure(name, graph_data(root), draw_graph)`.
    """
    return draw_graph(graph_data(root, max_nodes, precision))
# --8<-- [end:svg]


def network_data(model: Any, inputs: list[Value | float], outputs: list[list[Value]],
                 edges: str = "weights", precision: int = 4) -> dict[str, Any]:
    """A layer-level summary of a multi-layer perceptron, for `draw_network`.

    A network's whole graph is far too big to draw value by value, so this keeps one
    box per neuron: `model.layers[i].neurons[j]` with its output `outputs[i][j]`
    (the `Value` it produced, with its `data` and `grad`), and one edge per
    weight. `edges="weights"` gives each edge its weight, `edges="grads"` the
    gradient that `backward()` left on that weight.
    """
    if edges not in ("weights", "grads"):
        raise ValueError(f"edges must be 'weights' or 'grads', got {edges!r}")
    layers = model.layers
    if len(outputs) != len(layers) or any(
            len(out) != len(layer.neurons) for out, layer in zip(outputs, layers)):
        raise ValueError("outputs must hold one list of neuron outputs per layer, "
                         "as many as the layer has neurons")

    def box(name: str, v: Value | float) -> dict[str, Any]:
        data, grad = (v.data, v.grad) if isinstance(v, Value) else (float(v), 0.0)
        return {"name": name, "data": data, "grad": grad}

    columns = [{"title": "inputs",
                "boxes": [box(f"x{i + 1}", v) for i, v in enumerate(inputs)]}]
    weights = []
    for i, (layer, out) in enumerate(zip(layers, outputs)):
        last = i == len(layers) - 1
        kind = layer.neurons[0].activation
        title = "output" if last else f"hidden layer {i + 1}"
        columns.append({"title": f"{title}: {kind}",
                        "boxes": [box("out" if last else f"h{i + 1}.{j + 1}", v)
                                  for j, v in enumerate(out)]})
        weights.append([[w.data if edges == "weights" else w.grad for w in neuron.w]
                        for neuron in layer.neurons])
    return {"columns": columns, "edges": edges, "weights": weights, "precision": precision}


def draw_network(data: dict[str, Any]) -> Figure:
    """Draw `network_data`: a column of boxes per layer, an edge per weight.

    An edge's colour gives the sign of its number (blue positive, orange negative)
    and its width the size, relative to the largest on the picture.
    """
    import matplotlib.pyplot as plt

    columns = data["columns"]
    tallest = max(len(column["boxes"]) for column in columns)
    fig, ax = plt.subplots(figsize=(2.35 * len(columns), 1.05 * tallest + 1.2))
    ax.set_axis_off()
    spacing = 1.45

    def where(col: int, row: int) -> tuple[float, float]:
        n = len(columns[col]["boxes"])
        return col * 3.0, ((n - 1) / 2 - row) * spacing

    biggest = max((abs(v) for layer in data["weights"] for row in layer for v in row),
                  default=0.0) or 1.0
    for col, layer in enumerate(data["weights"], start=1):
        for j, row in enumerate(layer):
            for i, value in enumerate(row):
                (x0, y0), (x1, y1) = where(col - 1, i), where(col, j)
                ax.plot([x0, x1], [y0, y1], color="#3949ab" if value >= 0 else "#e65100",
                        linewidth=0.4 + 3.2 * abs(value) / biggest, alpha=0.75, zorder=1)
    style = dict(boxstyle="round,pad=0.35", edgecolor="#3949ab")
    digits = data["precision"]
    half = (tallest - 1) / 2 * spacing
    for col, column in enumerate(columns):
        ax.text(col * 3.0, half + 0.75, column["title"], ha="center", va="bottom",
                fontsize=9, fontweight="bold")
        for row, b in enumerate(column["boxes"]):
            x, y = where(col, row)
            text = f"{b['name']}\ndata {b['data']:.{digits}f}\ngrad {b['grad']:.{digits}f}"
            ax.text(x, y, text, ha="center", va="center", fontsize=8, zorder=3,
                    bbox={**style, "facecolor": "#e8eaf6" if col == 0 else "#ffffff"})
    what = "weight" if data["edges"] == "weights" else "gradient of each weight"
    ax.set_title(f"edges: {what} (blue > 0, orange < 0, width: size)", fontsize=9, y=-0.02,
                 va="top")
    ax.set_xlim(-1.0, 3.0 * (len(columns) - 1) + 1.0)
    ax.set_ylim(-half - 0.8, half + 1.4)
    return fig
