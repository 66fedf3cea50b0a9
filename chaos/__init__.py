"""The chaos experiments: the failure modes (`modes/`), the runner of their phases, the safety gate, and the Chaos
Toolkit documents, activities and control that run them from pytest and from `chaos run`. `chaos_logger` gives each
of its modules its logger: a child of Chaos Toolkit's, so `chaos run` shows the lines in its terminal and its
--log-file; elsewhere (pytest, `python -m chaos`) they reach the root logger like any other module's."""

from __future__ import annotations

import logging


def chaos_logger(module: str) -> logging.Logger:
    """The logger of chaos module `module` (its `__name__`), under Chaos Toolkit's: `chaostoolkit.<module>`."""
    return logging.getLogger(f"chaostoolkit.{module}")


# The suite's loggers outside chaos/: the runbook's commands (checks.runbook.executor), installs and waits.
SUITE_LOGGERS = ("checks", "fixtures", "redis_runbook")


def show_suite_logs_where_chaostoolkit_does() -> None:
    """Give the suite's other loggers the handlers Chaos Toolkit's has (`chaos run`'s terminal and --log-file), so a
    run shows the runbook commands it executes; where Chaos Toolkit's logger has none (pytest), nothing changes."""
    handlers = logging.getLogger("chaostoolkit").handlers
    for name in SUITE_LOGGERS:
        logger = logging.getLogger(name)
        for handler in handlers:
            if handler not in logger.handlers:
                logger.addHandler(handler)
        if handlers and logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
