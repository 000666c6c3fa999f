"""Open every page of the built site in headless Chromium, as a reader would.

For each page: no console errors, no failed or 4xx/5xx requests, every Mermaid
diagram rendered to an SVG with labels at least 10 px high, every image loaded, all
math typeset by MathJax. A page with a problem is saved as a full-page screenshot
under pytest's temporary directory.

Needs Debian's Chromium (``sudo apt-get install chromium``) and the Playwright
Python package (installed by ``make``). Without Chromium the test is skipped,
unless ``GRADBOOK_REQUIRE_BROWSER=1`` (as in CI), where that is a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    for candidate in (
        os.environ.get("GRADBOOK_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _need_browser():
    message = (
        "Chromium not found: install it (Debian/Ubuntu: `sudo apt-get install chromium`) "
        "or point GRADBOOK_CHROMIUM at a Chrome/Chromium binary"
    )
    if os.environ.get("GRADBOOK_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(built_site):
    site, _ = built_site
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    if executable is None:
        _need_browser()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _pages(site: Path) -> list[str]:
    """Every HTML page a reader can reach (search index, vendored files and 404 aside)."""
    pages = []
    for html in sorted(site.rglob("index.html")):
        rel = html.relative_to(site).parent.as_posix()
        if rel.startswith(("vendor", "assets")):
            continue
        pages.append("" if rel == "." else rel + "/")
    return pages


# Material draws each Mermaid diagram into a *closed* shadow root, which page
# scripts cannot see into; the DevTools protocol can ("pierce").
def _mermaid_hosts_with_svg(cdp) -> tuple[int, int]:
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    hosts = rendered = 0

    def contains_svg(node) -> bool:
        if node.get("localName") == "svg":
            return True
        kids = node.get("children", []) + node.get("shadowRoots", [])
        return any(contains_svg(k) for k in kids)

    def walk(node):
        nonlocal hosts, rendered
        attrs = node.get("attributes", [])
        classes = dict(zip(attrs[::2], attrs[1::2])).get("class", "").split()
        if "mermaid" in classes:
            hosts += 1
            rendered += any(contains_svg(s) for s in node.get("shadowRoots", []))
            return
        for kid in node.get("children", []) + node.get("shadowRoots", []):
            walk(kid)

    walk(root)
    return hosts, rendered


MIN_DIAGRAM_TEXT_PX = 10


def _mermaid_text_sizes(cdp) -> list[tuple[str, float]]:
    """(text, rendered height in CSS px) of every label in every visible Mermaid diagram.

    The height is the label's font size times the scale at which its SVG is drawn
    (rendered width over ``viewBox`` width): a wide diagram squeezed into the page
    column shrinks every label with it. Diagrams not displayed (a collapsed block) are
    skipped.
    """
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    sizes: list[tuple[str, float]] = []

    def attrs(node) -> dict[str, str]:
        values = node.get("attributes", [])
        return dict(zip(values[::2], values[1::2]))

    known: dict[tuple[str, str], float] = {}  # (tag, class) -> font size: one lookup each

    def font_px(node) -> float:
        key = (node.get("localName", ""), attrs(node).get("class", ""))
        if key not in known:
            style = cdp.send("CSS.getComputedStyleForNode", {"nodeId": node["nodeId"]})["computedStyle"]
            value = next(p["value"] for p in style if p["name"] == "font-size")
            known[key] = float(value.removesuffix("px"))
        return known[key]

    def walk(node, scale: float | None, parent, inside: bool) -> None:
        name = node.get("localName")
        if name == "style":
            return
        inside = inside or "mermaid" in attrs(node).get("class", "").split()
        if inside and name == "svg" and scale is None:
            try:
                box = cdp.send("DOM.getBoxModel", {"nodeId": node["nodeId"]})["model"]
            except Exception:  # not displayed
                return
            view_width = float(attrs(node).get("viewBox", "0 0 0 0").split()[2])
            if box["width"] == 0 or view_width == 0:
                return
            scale = box["width"] / view_width
        if node.get("nodeType") == 3 and scale is not None and node.get("nodeValue", "").strip():
            sizes.append((node["nodeValue"].strip(), font_px(parent) * scale))
        for kid in node.get("children", []) + node.get("shadowRoots", []):
            walk(kid, scale, node, inside)

    walk(root, None, None, False)
    return sizes


def _record_errors(page, problems: list[str]) -> None:
    """Append to ``problems`` what ``page`` reports: console and script errors, failed requests."""
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))


def test_site_has_pages(server):
    site, _ = server
    assert "chapters/01-manual-gradients/" in _pages(site)


def test_every_page_renders(server, browser, tmp_path_factory):
    site, base = server
    shots = tmp_path_factory.mktemp("screenshots")
    failures: dict[str, list[str]] = {}
    for rel in _pages(site):
        problems: list[str] = []
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _record_errors(page, problems)
        page.goto(f"{base}/{rel}", wait_until="networkidle")

        # Mermaid: Material turns each <pre class="mermaid"> into a host <div class="mermaid">.
        expected = page.locator("pre.mermaid, div.mermaid").count()
        if expected:
            cdp = page.context.new_cdp_session(page)
            try:
                page.wait_for_function(
                    "n => document.querySelectorAll('div.mermaid').length === n", arg=expected, timeout=15000
                )
            except Exception:
                problems.append("mermaid: diagrams were not rendered")
            hosts, rendered = _mermaid_hosts_with_svg(cdp)
            if rendered != expected:
                problems.append(f"mermaid: {rendered} of {expected} diagrams hold an svg ({hosts} hosts)")
            sizes = _mermaid_text_sizes(cdp)
            small = [(text, px) for text, px in sizes if px < MIN_DIAGRAM_TEXT_PX]
            if rendered and not sizes:
                problems.append("mermaid: no diagram text found to measure")
            if small:
                problems.append(
                    f"mermaid: {len(small)} labels drawn under {MIN_DIAGRAM_TEXT_PX} px "
                    f"at a 1280 px window, e.g. {small[0][0]!r} at {small[0][1]:.1f} px"
                )

        # Math: MathJax 3 replaces every arithmatex span (chapters) and every $…$ in a
        # lab's Markdown cells with an mjx-container.
        if page.locator(".arithmatex, .jp-MarkdownOutput").count():
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
            page.evaluate("() => MathJax.startup.promise")
            untypeset = page.evaluate(
                "() => [...document.querySelectorAll('.arithmatex')]"
                ".filter(e => !e.querySelector('mjx-container')).length"
            )
            untypeset += page.evaluate(
                r"() => [...document.querySelectorAll('.jp-MarkdownOutput')]"
                r".filter(e => /\$[^$\s][^$]*\$/.test(e.textContent)).length"
            )
            errors = page.locator("mjx-merror").count()
            if untypeset or errors:
                problems.append(f"math: {untypeset} formulas not typeset, {errors} MathJax errors")

        broken = page.evaluate(
            "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
            ".map(i => i.getAttribute('src'))"
        )
        problems += [f"image did not load: {src}" for src in broken]

        if problems:  # a picture of what went wrong (full-page shots cost seconds each)
            name = (rel.strip("/") or "index").replace("/", "__")
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
            failures[rel or "/"] = problems
        page.close()
    assert failures == {}, f"screenshots in {shots}"
