"""The pre-split: cut text into chunks before BPE sees it, so no merge crosses two chunks.

GPT-2 cuts text with one regular expression (Radford et al. 2019, `encoder.py` in
openai/gpt-2). Each chunk is a common English contraction, a run of letters, a run
of digits, or a run of other symbols, each with at most one space in front; or a
run of white space. A word's leading space stays with the word, so " the" and
"the" become different tokens, and a merge never joins the end of one word to the
start of the next. The pattern needs Unicode classes (`\\p{L}`: any letter, `\\p{N}`:
any number), which Python's `re` lacks and the `regex` package has.
"""

from __future__ import annotations

import regex

from gradbook.errors import TokenizerError

# --8<-- [start:pattern]
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def split_text(text: str, pattern: str | None = GPT2_PATTERN) -> list[str]:
    """The chunks of `text`, in order; joined they give `text` back. No pattern: one chunk."""
    if pattern is None:
        return [text] if text else []
    chunks, end = [], 0
    for match in regex.finditer(pattern, text):
        if match.start() > end:                 # text the pattern skipped is a chunk too
            chunks.append(text[end:match.start()])
        if match.end() > match.start():
            chunks.append(match.group())
        end = match.end()
    if end < len(text):
        chunks.append(text[end:])
    return chunks
# --8<-- [end:pattern]


def check_pattern(pattern: str) -> str:
    """`pattern` if it compiles; otherwise a TokenizerError that says why."""


    try:
        regex.compile(pattern)
    except regex.error as exc:
        raise TokenizerError(f"the pre-split pattern does not compile: {exc}") from None
    return pattern
