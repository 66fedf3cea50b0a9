"""scripts/stages.sh without a cluster: throwaway jobs whose stages are small Python programs standing in for pytest.

A stand-in stage writes `pid-NAME` and `started-NAME` (with the SIGINT disposition it started with) once its SIGINT
handler is in place, waits, and on SIGINT "rolls back" (writes `rolledback-NAME`) and exits 2, as pytest does. The job
runs in a session of its own; SIGINT to its process group is what a terminal's Ctrl-C sends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

STAGES = Path(__file__).resolve().parents[2] / "scripts" / "stages.sh"
DEADLINE_S = 20  # only reached when something is broken: every wait below ends on a file or an exit

STAND_IN = """
import os, signal, sys, time
name, seconds, code = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
initial = signal.getsignal(signal.SIGINT)
interrupted = []
signal.signal(signal.SIGINT, lambda *_: interrupted.append(1))
handled = "handled" if initial is signal.default_int_handler else "other"
open(f"pid-{name}", "w").write(str(os.getpid()))
open(f"started-{name}", "w").write("ignored" if initial == signal.SIG_IGN else handled)
print(f"{name}: output line", flush=True)
end = time.monotonic() + seconds
while not interrupted and time.monotonic() < end:
    time.sleep(0.01)
if interrupted:
    time.sleep(0.2)  # the rollback
    open(f"rolledback-{name}", "w").close()
    sys.exit(2)
sys.exit(code)
"""


def job(tmp_path: Path, body: str) -> Path:
    (tmp_path / "stand_in.py").write_text(STAND_IN)
    script = tmp_path / "job.sh"
    script.write_text(f"set -euo pipefail\nsource {STAGES}\nstages_begin\n{body}\nstages_end\n")
    return script


def fake(name: str, seconds: float = DEADLINE_S, code: int = 0) -> str:
    """A stand-in stage's command: runs `seconds` (until SIGINT by default), then exits `code`."""
    return f"{sys.executable} stand_in.py {name} {seconds} {code}"


def start(tmp_path: Path, script: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["bash", str(script)],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(proc: subprocess.Popen[str], *paths: Path) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not all(p.exists() for p in paths):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"never written: {[str(p) for p in paths if not p.exists()]}; output:\n{proc.communicate()[0]}")
        time.sleep(0.01)


def finish(proc: subprocess.Popen[str]) -> str:
    try:
        return proc.communicate(timeout=DEADLINE_S)[0]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"the job did not end; output:\n{proc.communicate()[0]}")


def rows(tmp_path: Path) -> list[list[str]]:
    return [line.split("\t") for line in (tmp_path / "reports" / "stages.tsv").read_text().splitlines()]


def table_row(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if line.split()[:1] == [name] and "wall time" not in line)


def test_ctrl_c_lets_the_stage_roll_back_and_runs_no_further_stage(tmp_path: Path) -> None:
    proc = start(tmp_path, job(tmp_path, f"stage one {fake('one')}\nstage two {fake('two', 0)}"))
    wait_for(proc, tmp_path / "started-one")
    os.killpg(proc.pid, signal.SIGINT)
    output = finish(proc)
    assert proc.returncode == 130, output
    assert (tmp_path / "rolledback-one").exists(), output
    assert not (tmp_path / "started-two").exists(), output
    assert (tmp_path / "started-one").read_text() == "handled"  # Python's KeyboardInterrupt handler was installed
    assert "stage two: skipped (the job was interrupted)" in output
    assert table_row(output, "two").split()[1:] == ["-", "skipped"]
    assert table_row(output, "one").endswith("interrupted (exit 2)")
    assert "interrupted during one: done: none; skipped: two" in output
    assert rows(tmp_path)[0] == ["stage", "seconds", "status", "waited"]
    assert [(r[0], r[2]) for r in rows(tmp_path)[1:]] == [("one", "interrupted"), ("two", "skipped")]


def test_ctrl_c_reaches_a_background_stage_which_rolls_back_too(tmp_path: Path) -> None:
    body = f"stage_background bg {fake('bg')}\nstage one {fake('one')}\nstage two {fake('two', 0)}\nstage_wait"
    proc = start(tmp_path, job(tmp_path, body))
    wait_for(proc, tmp_path / "started-one", tmp_path / "started-bg")
    os.killpg(proc.pid, signal.SIGINT)  # the background stage is in a session of its own: only the trap reaches it
    output = finish(proc)
    assert proc.returncode == 130, output
    assert (tmp_path / "started-bg").read_text() == "handled"  # not the ignored SIGINT of an asynchronous command
    assert (tmp_path / "rolledback-bg").exists() and (tmp_path / "rolledback-one").exists(), output
    assert not (tmp_path / "started-two").exists(), output
    assert table_row(output, "bg").endswith("interrupted (exit 2, in the background)")
    assert table_row(output, "two").split()[1:] == ["-", "skipped"]
    assert "interrupted during one, bg: done: none; skipped: two" in output
    assert "bg: output line" in output  # the failed (interrupted) background stage's log tail
    assert "bg: output line" in (tmp_path / "reports" / "logs" / "bg.log").read_text()
    recorded = {(r[0], r[2]) for r in rows(tmp_path)[1:]}
    assert recorded == {("one", "interrupted"), ("bg", "interrupted"), ("two", "skipped")}


def test_a_stage_that_exits_2_interrupts_the_job_without_the_trap(tmp_path: Path) -> None:
    proc = start(tmp_path, job(tmp_path, f"stage one {fake('one')}\nstage two {fake('two', 0)}"))
    wait_for(proc, tmp_path / "started-one")
    os.kill(int((tmp_path / "pid-one").read_text()), signal.SIGINT)  # pytest alone, not the script
    output = finish(proc)
    assert proc.returncode == 130, output
    assert (tmp_path / "rolledback-one").exists() and not (tmp_path / "started-two").exists(), output
    assert "interrupted during one: done: none; skipped: two" in output


def test_without_ctrl_c_a_failed_stage_fails_the_job_and_the_job_goes_on(tmp_path: Path) -> None:
    body = (
        f"stage_background bg {fake('bg', 0, 3)}\nstage one {fake('one', 0, 1)}\nstage two {fake('two', 0.6)}\n"
        "stage_wait\nstage three true"
    )
    proc = start(tmp_path, job(tmp_path, body))
    output = finish(proc)
    assert proc.returncode == 1, output
    assert [(r[0], r[2]) for r in rows(tmp_path)[1:]] == [
        ("one", "failed"),
        ("two", "passed"),
        ("bg", "failed"),
        ("three", "passed"),
    ]
    assert "stage one: failed (exit 1) in 0m 00s" in output
    assert "stage bg: failed (exit 3, in the background)" in output
    assert "---- stage bg: the last 60 lines of reports/logs/bg.log ----\nbg: output line\n" in output
    assert "stage bg: its output is in reports/logs/bg.log" in output
    assert "the longest stage: two (" in output
    assert "interrupted" not in output
    seconds = {r[0]: float(r[1]) for r in rows(tmp_path)[1:]}
    assert seconds["two"] >= 0.6 and seconds["bg"] < seconds["two"]  # bg ended long before stage_wait: not charged


def test_the_critical_path_is_what_the_job_waited_on(tmp_path: Path) -> None:
    """A background stage that outlasts the foreground ones is on the critical path for the time the job waited for
    it at stage_wait; one that ended earlier is not."""
    body = (
        f"stage_background short {fake('short', 0)}\nstage_background long {fake('long', 1.5)}\n"
        f"stage one {fake('one', 0.6)}\nstage_wait"
    )
    proc = start(tmp_path, job(tmp_path, body))
    output = finish(proc)
    assert proc.returncode == 0, output
    waited = {r[0]: float(r[3]) for r in rows(tmp_path)[1:]}
    assert waited["one"] >= 0.6 and waited["short"] == 0.0
    assert 0.5 <= waited["long"] <= 1.5, waited  # 1.5 s long, of which one's 0.6 s ran beside it
    path = next(line for line in output.splitlines() if line.startswith("critical path"))
    assert ", one 0m 01s, long 0m 01s" in path and "short" not in path, path
