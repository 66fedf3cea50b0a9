"""Marks shared by the system tests."""

from __future__ import annotations

import pytest


def runbook_system_only(acts_on: str) -> pytest.MarkDecorator:
    """Skip under another --system: the module `acts_on` the runbook's own system or on no system at all, so a run
    for another system would repeat it, or break the runbook's Redis while that run's own experiments use it."""
    return pytest.mark.skipif(
        "(config.getoption('system') or 'runbook') != 'runbook'",
        reason=f"{acts_on}: runs without --system",
    )
