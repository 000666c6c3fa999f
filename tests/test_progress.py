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

    ticks = iter(range(100_000))  # each reading of the clock: one second later
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
    # one line per twentieth of the work (and at least 5 s of the fake clock apart), the
    # first and the last line, and the evaluation line: not one per step
    assert 10 < len(lines) <= progress_module.LOG_LINES + 3


def test_on_a_terminal_it_is_tqdms_own_bar():
    screen = _Terminal()
    with progress(screen, total=3, desc="training") as bar:
        bar.update(3)
    assert "\r" in screen.getvalue()


def test_a_slow_run_still_writes_about_twenty_lines(monkeypatch):
    import tqdm.std

    ticks = iter(range(0, 10_000_000, 60))  # a minute passes at every reading
    monkeypatch.setattr(tqdm.std, "time", lambda: float(next(ticks)))
    log = io.StringIO()
    with progress(log, total=2000, desc="training") as bar:
        for _ in range(2000):
            bar.update(1)
    assert len(log.getvalue().splitlines()) <= progress_module.LOG_LINES + 2
