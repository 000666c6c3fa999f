"""Rules every page of the book must follow, as functions the tests call.

pytest-codeblocks runs ```python / ```sh / ```bash fences; these rules make sure
nothing slips past it silently: a fence it would not run, a ``cont`` marker glued
to a diagram, an expected-output block attached to something that never runs, an
include that points nowhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

EXECUTED = {"python", "sh", "bash"}
MARKER = re.compile(r"^<!--[-\s]*(pytest-codeblocks:.*|pytest\.mark\..*)-->$")
FENCE = re.compile(r"^(\s*)(`{3,})(.*)$")
INCLUDE = re.compile(r'--8<--\s+"([^"]+)"')
SKIP_WITH_REASON = re.compile(r"""^pytest\.mark\.skip(if)?\(.*reason\s*=\s*(["'])\s*\S.*\2\s*\)$""")


@dataclass
class Fence:
    lineno: int
    info: str
    body: list[str]
    marks: list[str] = field(default_factory=list)
    is_output: bool = False  # the fence after an expected-output marker
    glued_to: Fence | None = None  # the fence a ``cont`` marker appends it to

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info.strip() else ""


def parse(text: str) -> list[Fence]:
    """Split a page into fences, the way pytest-codeblocks 0.18 reads them."""
    lines = text.splitlines()
    fences: list[Fence] = []
    code_fences: list[Fence] = []  # what pytest-codeblocks calls ``out``
    pending: list[str] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        marker = MARKER.match(stripped)
        if marker:
            pending.append(marker.group(1))
            i += 1
            continue
        m = FENCE.match(lines[i])
        if m:
            ticks, info = m.group(2), m.group(3).strip()
            body = []
            i += 1
            while i < len(lines) and not lines[i].lstrip().startswith(ticks):
                body.append(lines[i])
                i += 1
            fence = Fence(lineno=i - len(body), info=info, body=body, marks=pending)
            pending = []
            fences.append(fence)
        i += 1
    # Second pass: resolve what each marker attaches to.
    resolved: list[Fence] = []
    for fence in fences:
        if any(m.startswith("pytest-codeblocks:expected-output") for m in fence.marks):
            # The marker sits *before* the output fence; the output belongs to the
            # last code fence seen, of any language.
            fence.is_output = True
            fence.glued_to = code_fences[-1] if code_fences else None
        elif "pytest-codeblocks:cont" in fence.marks:
            fence.glued_to = code_fences[-1] if code_fences else None
        else:
            code_fences.append(fence)
        resolved.append(fence)
    return resolved


def _is_include_only(fence: Fence) -> bool:
    lines = [line.strip() for line in fence.body if line.strip()]
    return bool(lines) and all(line.startswith("--8<--") for line in lines)


def check_page(text: str) -> list[str]:
    """Every problem on one page, as ``line N: what is wrong`` strings."""
    problems = []
    for fence in parse(text):
        where = f"line {fence.lineno}"
        marks = fence.marks
        if fence.is_output:
            target = fence.glued_to
            if target is None or target.language not in EXECUTED:
                problems.append(f"{where}: expected output follows a fence that never runs")
            continue
        if "pytest-codeblocks:cont" in marks:
            target = fence.glued_to
            if target is None or target.language != fence.language:
                what = target.language or "bare" if target else "nothing"
                problems.append(
                    f"{where}: 'cont' glues this {fence.language} block to a {what} fence, "
                    "so it would never run"
                )
            continue
        skips = [m for m in marks if m.startswith("pytest.mark.skip")]
        for mark in skips:
            if not SKIP_WITH_REASON.match(mark):
                problems.append(f"{where}: skip without a reason: {mark}")
        # A ```python fence with attributes is not collected by pytest-codeblocks:
        # allowed only for included library code.
        if fence.language == "python" and fence.info != "python" and not _is_include_only(fence):
            problems.append(
                f"{where}: '```{fence.info}' is never executed; use a plain ```python "
                "fence, or include library code with --8<-- only"
            )
        if fence.language not in EXECUTED and any(m.startswith("pytest") for m in marks):
            problems.append(f"{where}: marker before a {fence.language or 'bare'} fence has no effect")
    return problems


def check_includes(text: str, root: Path) -> list[str]:
    """Each ``--8<-- "file:section"`` names an existing file and section."""
    problems = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        for target in INCLUDE.findall(line):
            path, _, section = target.partition(":")
            file = root / path
            if not file.is_file():
                problems.append(f"line {lineno}: include of missing file {path}")
                continue
            if section and not section.replace(":", "").replace("-", "").isdigit():
                source = file.read_text(encoding="utf-8")
                for edge in ("start", "end"):
                    if f"--8<-- [{edge}:{section}]" not in source:
                        problems.append(f"line {lineno}: {path} has no [{edge}:{section}] marker")
    return problems


def has_mermaid(text: str) -> bool:
    return any(f.language == "mermaid" for f in parse(text))


CHAPTER_LINK = re.compile(
    r"\[([^\]]*?Chapter (\d+)[^\]]*)\]\((?:\.\./chapters/)?(\d\d)-[\w-]+\.md(?:#[\w-]*)?\)"
)
CHAPTER_WORD = re.compile(r"\bChapters? (\d+)(?:(?:,| and| or| to|–)\s*(\d+))*")
SECTION_WORD = re.compile(r"\b[Ss]ections? (\d+)\.(\d+)")
HEADING = re.compile(r"^## (\d+)\.(\d+) ", re.MULTILINE)


def _without_footnotes(text: str) -> str:
    kept, in_note = [], False
    for line in text.splitlines():
        if line.startswith("[^"):
            in_note = True
        elif in_note and not line.startswith((" ", "\t")):
            in_note = False
        if not in_note:
            kept.append(line)
    return "\n".join(kept)


def chapter_numbers(chapters: list[Path]) -> dict[int, Path]:
    """Chapter number -> page, from the file names (`10-tiny-gpt.md` is Chapter 10)."""
    return {int(p.name[:2]): p for p in chapters if p.name[:2].isdigit()}


def check_chapter_references(page: Path, chapters: list[Path]) -> list[str]:
    """Every "Chapter N" names a chapter that exists, every link to a chapter says its
    number, every "Section N.M" is a heading of Chapter N, and a chapter's own headings
    carry its number: after chapters are renumbered, a stale reference fails here."""
    numbers = chapter_numbers(chapters)
    headings = {
        n: {(int(a), int(b)) for a, b in HEADING.findall(p.read_text(encoding="utf-8"))}
        for n, p in numbers.items()
    }
    text = _without_footnotes(page.read_text(encoding="utf-8"))  # they cite other books' chapters
    problems = []
    for label, said, target in CHAPTER_LINK.findall(text):
        if int(said) != int(target):
            problems.append(f"link [{label}] goes to chapter {int(target)}, not {said}")
    for match in CHAPTER_WORD.finditer(text):
        for n in re.findall(r"\d+", match.group(0)):
            if int(n) not in numbers:
                problems.append(f"{match.group(0)!r}: there is no Chapter {n}")
    for a, b in SECTION_WORD.findall(text):
        if (int(a), int(b)) not in headings.get(int(a), set()):
            problems.append(f"Section {a}.{b}: no heading '## {a}.{b}' in Chapter {a}")
    if page in numbers.values():
        own = int(page.name[:2])
        for a, b in HEADING.findall(text):
            if int(a) != own:
                problems.append(f"heading '## {a}.{b}' in Chapter {own}")
    return problems
