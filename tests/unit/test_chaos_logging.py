"""`chaos run` shows the suite's own lines: the runbook commands the executor runs log under checks.*, and the
control gives those loggers Chaos Toolkit's handlers for the run."""

from __future__ import annotations

import logging

import pytest

from chaos import SUITE_LOGGERS, chaos_logger, show_suite_logs_where_chaostoolkit_does

pytestmark = pytest.mark.unit


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_chaos_modules_log_under_chaostoolkit() -> None:
    assert chaos_logger("chaos.runner").name == "chaostoolkit.chaos.runner"


def test_runbook_command_lines_reach_chaostoolkits_handlers() -> None:
    kept = Keep()
    ctk = logging.getLogger("chaostoolkit")
    ctk.addHandler(kept)
    saved = {name: (list(logging.getLogger(name).handlers), logging.getLogger(name).level) for name in SUITE_LOGGERS}
    try:
        show_suite_logs_where_chaostoolkit_does()
        show_suite_logs_where_chaostoolkit_does()  # a second run adds nothing twice
        logging.getLogger("checks.runbook.executor").info("RUNBOOK line 25: kubectl get pods -n redis")
        assert kept.lines == ["RUNBOOK line 25: kubectl get pods -n redis"]
    finally:
        ctk.removeHandler(kept)
        for name, (handlers, level) in saved.items():
            logging.getLogger(name).handlers = handlers
            logging.getLogger(name).setLevel(level)
