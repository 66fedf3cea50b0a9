"""Long waits say how they are going: one line per interval on the redis_runbook.wait logger."""

from __future__ import annotations

import io
import logging

import pytest

from fixtures.core.waits import PROGRESS_LOGGER, Seen, WaitTimeout, show_progress, wait_for

pytestmark = pytest.mark.unit


def test_a_long_wait_logs_what_it_awaits_elapsed_remaining_and_the_last_state(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = iter(range(1000))

    def probe() -> Seen:
        n = next(calls)
        return Seen(n >= 6, f"phase {n}")

    with caplog.at_level(logging.INFO, logger=PROGRESS_LOGGER):
        wait_for(probe, timeout=5, what="pod/redis-master-0 Ready", interval=0.02, progress_every=0.03)
    lines = [r.getMessage() for r in caplog.records if r.name == PROGRESS_LOGGER]
    assert lines, "no progress line for a wait longer than the progress interval"
    assert all(line.startswith("WAIT pod/redis-master-0 Ready: ") for line in lines)
    assert "s elapsed, " in lines[0] and "s left; last seen: phase " in lines[0]


def test_a_short_wait_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=PROGRESS_LOGGER):
        wait_for(lambda: Seen(True), timeout=5, what="quick")
    assert not [r for r in caplog.records if r.name == PROGRESS_LOGGER]


def test_the_wait_logger_leaves_visibility_to_logging_configuration() -> None:
    """No level and no handler of its own: silent under pytest unless --log-cli-level says otherwise (CI), shown
    by the CLIs through show_progress()."""
    logger = logging.getLogger(PROGRESS_LOGGER)
    assert logger.level == logging.NOTSET and not logger.handlers
    with pytest.raises(WaitTimeout, match=r"^wanted: not reached within 0\.1s; last seen: never$"):
        wait_for(lambda: Seen(False, "never"), timeout=0.1, what="wanted", interval=0.01, progress_every=0.02)


def test_show_progress_prints_to_the_stream_once() -> None:
    stream = io.StringIO()
    logger = logging.getLogger(PROGRESS_LOGGER)
    before = list(logger.handlers), logger.level
    try:
        show_progress(stream)
        show_progress(stream)
        assert len(logger.handlers) == len(before[0]) + 1
        calls = iter(range(100))
        wait_for(
            lambda: Seen(next(calls) >= 8, "Pending"), timeout=5, what="node Ready", interval=0.01, progress_every=0.03
        )
    finally:
        for handler in logger.handlers[len(before[0]) :]:
            logger.removeHandler(handler)
        logger.setLevel(before[1])
    text = stream.getvalue()
    assert "WAIT node Ready: " in text and "last seen: Pending" in text
