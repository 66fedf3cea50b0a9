"""One reading of Redis's error replies: the runbook's executor and the verify checks agree on every code."""

from __future__ import annotations

import pytest

from fixtures.core.redis_cli import redis_error
from fixtures.core.redis_replies import ERROR_CODES, error_reply

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("code", ERROR_CODES)
def test_every_error_code_is_an_error_to_both_readers(code: str) -> None:
    line = f"{code} something went wrong"
    assert error_reply(f"{line}\n") == (line, code)
    assert error_reply(f"(error) {line}\n") == (f"(error) {line}", code)
    assert redis_error(f"{line}\n") == line


def test_an_oom_reply_to_a_write_is_an_error() -> None:
    # Redis at maxmemory with noeviction: redis-cli prints this and exits 0.
    reply = "OOM command not allowed when used memory > 'maxmemory'."
    assert error_reply(reply) == (reply, "OOM")


@pytest.mark.parametrize("text", ["PONG", "OK", "# Server\nredis_version:7.0.15", "ERRORS are fine inside a value", ""])
def test_a_plain_answer_is_not_an_error(text: str) -> None:
    assert error_reply(text) is None
    assert redis_error(text) is None
