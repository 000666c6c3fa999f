"""Progress bars: redrawn in place on a terminal, a few plain lines in a log."""

from __future__ import annotations

import io

from gradbook import progress as progress_module
from gradbook.progress import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_log_the_bar_is_a_few_plain_lines(monkeypatch):
    import tqdm.std
    ticks = iter(range(100_000))                   # each reading of the clock: one second later
    monkeypatch.setattr(tqdm.std, "time", lambda: float(next(ticks)))
    log = io.StringIO()
    with progress(log, total=1000, desc="training", unit="step") as bar:
        for _ in range(1000):
            bar.update(1)
        bar.write("an evaluation line", file=log)
    text = log.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert "an evaluation line" in lines
    assert lines[-1].startswith("training: 100%") and "1000/1000" in lines[-1]
    # at most one line per LOG_INTERVAL_S of the fake clock, which reads a few times a step
    assert 3 < len(lines) < 1000 / 2

def test_on_a_terminal_it_is_tqdms_own_bar():
    screen = _Terminal()
    with progress(screen, total=3, desc="training") as bar:
        bar.update(3)
    assert "\r" in screen.getvalue()
