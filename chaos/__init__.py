"""The chaos experiments: the failure modes (`modes/`), the runner of their phases, the safety gate, and the Chaos
Toolkit documents, activities and control that run them from pytest and from `chaos run`. `chaos_logger` gives each
of its modules its logger: a child of Chaos Toolkit's, so `chaos run` shows the lines in its terminal and its
--log-file; elsewhere (pytest, `python -m chaos`) they reach the root logger like any other module's."""

from __future__ import annotations

import logging


def chaos_logger(module: str) -> logging.Logger:
    """The logger of chaos module `module` (its `__name__`), under Chaos Toolkit's: `chaostoolkit.<module>`."""
    return logging.getLogger(f"chaostoolkit.{module}")
