"""Properties of the runbook classifier: adding a write (a redirection, a sequenced or piped command, a
substitution) to the real runbook's read-only commands leaves none runnable, find and curl are read-only only
without a write option, and any text gets classes without raising.
"""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.runbook.classify.entry import classify
from checks.runbook.model import CommandClass as K
from tests.unit.classifier_helpers import EXEC, HARMLESS, classes, real_runnable, runnable

pytestmark = pytest.mark.unit


WRITE_TARGET = st.one_of(
    st.from_regex(r"/(data|tmp)/[a-z0-9_.-]{1,12}", fullmatch=True),
    st.sampled_from(["out.txt", "$HOME/x", "/data/backup-$(date +%s)", "'/data/x y'", "/dev/sda"]),
)
REDIRECTION = st.builds(
    lambda op, space, target: f" {op}{space}{target}",
    st.sampled_from([">", ">>", "1>", "2>", "&>", "&>>", ">|", ">&", "<>"]),
    st.sampled_from(["", " "]),
    WRITE_TARGET,
)
DESTRUCTIVE = st.sampled_from(
    [
        "rm -rf /data/*",
        "redis-cli flushall",
        "kubectl delete pod -n redis redis-master-0",
        "touch /data/x",
        "find /data -delete",
        "curl -X DELETE http://localhost:8001/api",
        "kubectl label pod -n redis redis-master-0 a=b",
        "sed -i s/a/b/ /data/x",
    ]
)
SEQUENCED = st.builds(lambda sep, cmd: f" {sep} {cmd}", st.sampled_from([";", "&&", "||", "&"]), DESTRUCTIVE)
PIPED = st.sampled_from(
    [
        " | sh",
        " | bash",
        " |& sh",
        " | tee /data/x",
        " | xargs rm",
        " | kubectl apply -f -",
        " | redis-cli",
        " | sed -i s/a/b/ /data/x",
        " | awk '{system($0)}'",
    ]
)
SUBSTITUTED = st.builds(lambda cmd, form: form.format(cmd), DESTRUCTIVE, st.sampled_from([" $({})", " `{}`"]))
ANY_WRITE = st.one_of(REDIRECTION, SEQUENCED, PIPED, SUBSTITUTED)


@settings(max_examples=300)
@given(st.sampled_from(real_runnable()), ANY_WRITE)
def test_adding_a_write_to_a_read_only_runbook_command_makes_it_not_runnable(command: str, write: str) -> None:
    assert runnable(command)
    assert not runnable(command + write), command + write


@settings(max_examples=300)
@given(st.sampled_from([t for t in real_runnable() if t.startswith(f"{EXEC} ")]), ANY_WRITE)
def test_adding_a_write_inside_an_exec_shell_makes_it_not_runnable(command: str, write: str) -> None:
    inner = command.removeprefix(f"{EXEC} ")
    assert runnable(f"{EXEC} sh -c {shlex.quote(inner)}")
    assert not runnable(f"{EXEC} sh -c {shlex.quote(inner + write)}")


FIND_TESTS = st.lists(
    st.sampled_from(["-name '*.rdb'", "-type f", "-mtime +1", "-size +1M", "-maxdepth 2", "-print", "-ls"]),
    max_size=4,
)
FIND_ACTIONS = st.sampled_from(
    [
        "-delete",
        "-exec rm {} +",
        "-exec rm {} \\;",
        "-execdir rm {} +",
        "-ok rm {} \\;",
        "-okdir rm {} \\;",
        "-fprint /data/x",
        "-fprint0 /data/x",
        "-fprintf /data/x %p",
        "-fls /data/x",
    ]
)


@given(FIND_TESTS, FIND_ACTIONS, st.integers(0, 4))
def test_find_with_any_write_action_anywhere_is_not_runnable(tests: list[str], action: str, at: int) -> None:
    assert runnable(f"{EXEC} find /data {' '.join(tests)}")
    with_action = [*tests[:at], action, *tests[at:]]
    assert K.MUTATING in classes(f"{EXEC} find /data {' '.join(with_action)}")


CURL_READ = st.lists(
    st.sampled_from(["-s", "-S", "-f", "-L", "-v", "-sS", "-fsSL", "-H 'Accept: */*'", "--max-time 5", "-k"]),
    max_size=4,
)
CURL_WRITES = st.sampled_from(
    [
        "-X DELETE",
        "-XPOST",
        "--request PUT",
        "-d x",
        "--data-raw x",
        "--data-urlencode a=b",
        "-F a=b",
        "--form a=b",
        "-T /tmp/x",
        "--upload-file /tmp/x",
        "-o /tmp/x",
        "--output /tmp/x",
        "-O",
        "--remote-name",
        "-K /tmp/x",
        "--config /tmp/x",
        "--json {}",
        "-sX DELETE",
    ]
)


@given(CURL_READ, CURL_WRITES, st.integers(0, 4))
def test_curl_is_read_only_only_for_a_plain_get(flags: list[str], write: str, at: int) -> None:
    url = "http://localhost:8080/metrics"
    assert classes(f"curl {' '.join(flags)} {url}") == (K.READ_ONLY,)
    assert K.MUTATING in classes(f"curl {' '.join([*flags[:at], write, *flags[at:]])} {url}")


SHELLISH = st.text(alphabet="ab -|;&<>()$`'\"\\{}*=/\n#~!", max_size=60)


@settings(max_examples=300)
@given(st.one_of(SHELLISH, st.text(max_size=80), st.builds(lambda a, b: a + b, st.sampled_from(HARMLESS), SHELLISH)))
def test_any_text_gets_classes_and_never_raises(text: str) -> None:
    found, _ = classify(text)
    assert found
    assert set(found) <= set(K)
