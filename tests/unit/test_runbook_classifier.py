"""The classifier is an allow-list: the drift gate runs only what is proven read-only.

An adversarial runbook of destructive commands dressed as diagnosis runs nothing but its three
harmless checks; every rule of checks/runbook/classify.py is checked on its read-only and its writing
side; properties add writes to the real runbook's read-only commands and expect none to stay runnable.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import checks.__main__ as cli
from checks.runbook import drift
from checks.runbook.classify import classify
from checks.runbook.model import Command, Runbook
from checks.runbook.model import CommandClass as K
from checks.runbook.outcome import Execution, Outcome
from checks.runbook.parser import parse_file
from fixtures.core.runbook_source import RUNBOOK_PATH

pytestmark = pytest.mark.unit

ADVERSARIAL_PATH = Path(__file__).resolve().parents[1] / "data" / "adversarial-runbook.md"
HARMLESS = [
    "kubectl get pods -n redis",
    "kubectl exec -n redis redis-master-0 -- redis-cli ping",
    "kubectl exec -n redis redis-master-0 -- ls -lh /data/",
]
EXEC = "kubectl exec -n redis redis-master-0 --"

# The real runbook's classes, pinned: a change here must be a deliberate, explained one.
REAL_RUNBOOK_CLASSES = {
    (K.READ_ONLY,): [
        *(25, 26, 38, 39, 45, 46, 52, 58, 59, 66, 77, 80, 83, 93, 96, 116, 117, 120, 123, 126, 136, 139),
        *(140, 143, 146, 156, 157, 171, 174, 177, 188, 189, 207, 210, 217, 227, 254, 262, 266, 273, 276),
        *(286, 289, 296, 297, 300, 303, 310, 311, 315, 443, 446, 449, 452, 458),
    ],
    (K.NEEDS_ADDON, K.READ_ONLY): [65],
    (K.INTERACTIVE, K.MUTATING): [99, 180, 195],
    (K.MUTATING,): [108, 147, 148, 161, 204, 216, 224, 236, 239, 242, 243, 366, 369, 455, 461, 464],
    (K.MUTATING, K.PLACEHOLDER): [160, 192],
    (K.LONG_RUNNING, K.READ_ONLY): [246, 283, 314],
}


def runnable(text: str) -> bool:
    return set(classify(text)[0]) <= drift.RUNNABLE


def classes(text: str) -> tuple[K, ...]:
    return classify(text)[0]


@pytest.fixture(scope="module")
def adversarial() -> Runbook:
    return parse_file(ADVERSARIAL_PATH)


@pytest.fixture(scope="module")
def real() -> Runbook:
    return parse_file(RUNBOOK_PATH)


def _real_runnable() -> list[str]:
    return [c.text for c in parse_file(RUNBOOK_PATH).commands if set(c.classes) <= drift.RUNNABLE]


# ---------------------------------------------------------------- the two runbooks


def test_adversarial_runbook_runs_only_its_three_harmless_checks(adversarial: Runbook) -> None:
    ran = [c.text for c in adversarial.commands if set(c.classes) <= drift.RUNNABLE]
    assert ran == HARMLESS
    destructive = [c for c in adversarial.commands if c.text not in HARMLESS]
    assert len(destructive) >= 24
    assert all(
        c.section_path[:2] == ["Runbook: Redis Service Down (adversarial test data)", "Diagnosis"]
        for c in adversarial.commands
    )
    assert all(c.comment.startswith("Check ") for c in adversarial.commands)


@pytest.mark.parametrize("line", [c.line for c in parse_file(ADVERSARIAL_PATH).commands])
def test_no_destructive_command_of_the_adversarial_runbook_is_runnable(adversarial: Runbook, line: int) -> None:
    cmd = next(c for c in adversarial.commands if c.line == line)
    if cmd.text in HARMLESS:
        assert cmd.classes == (K.READ_ONLY,)
    else:
        assert not set(cmd.classes) <= drift.RUNNABLE, f"line {line} would run: {cmd.text} {cmd.classes}"
        assert re.search(r"redis|/data|adversarial", cmd.text), f"line {line} aims at nothing a test can check"


def test_adversarial_urls_stay_on_this_machine_or_in_the_cluster(adversarial: Runbook) -> None:
    hosts = re.findall(r"[a-z]+://([^/:\s'\"]+)", "\n".join(c.text for c in adversarial.commands))
    assert hosts
    assert all(h in ("localhost", "127.0.0.1") or h.endswith(".svc.cluster.local") for h in hosts), hosts


def test_real_runbook_classes_are_unchanged(real: Runbook) -> None:
    by_line = {c.line: c.classes for c in real.commands}
    pinned = {line: expected for expected, lines in REAL_RUNBOOK_CLASSES.items() for line in lines}
    assert by_line == pinned
    assert not [c for c in real.commands if K.UNKNOWN in c.classes]


# ---------------------------------------------------------------- rules, read-only side

READ_ONLY_CASES = [
    # kubectl read verbs
    "kubectl get pods -n redis",
    "kubectl -n redis get pods",
    "kubectl describe pod -n redis redis-master-0",
    "kubectl logs -n redis redis-master-0 --tail=10",
    "kubectl events -n redis",
    "kubectl explain pod.spec",
    "kubectl version",
    "kubectl api-resources",
    "kubectl api-versions",
    "kubectl cluster-info",
    "kubectl cluster-info dump",
    "kubectl auth can-i get pods -n redis",
    "kubectl auth whoami",
    "kubectl config view --minify",
    "kubectl config get-contexts",
    "kubectl config current-context",
    "kubectl rollout status statefulset redis-master -n redis",
    "kubectl rollout history statefulset redis-master -n redis",
    "kubectl wait --for=condition=ready pod -n redis redis-master-0 --timeout=5m",
    "kubectl describe node $(kubectl get pod -n redis redis-master-0 -o jsonpath='{.spec.nodeName}')",
    "kubectl get pods `kubectl get pods -n redis -o name`",
    f"{EXEC} ls $(kubectl get pod -n redis redis-master-0 -o jsonpath='{{.metadata.name}}')",
    f"{EXEC} find /data -name $(kubectl get pod -n redis redis-master-0 -ojsonpath='{{.a}}{{.b[0]}}')",
    # exec of read-only programs
    f"{EXEC} redis-cli ping",
    f"{EXEC} redis-cli info memory",
    f"{EXEC} redis-cli CONFIG GET maxmemory",
    f"{EXEC} redis-cli client list",
    f"{EXEC} redis-cli lastsave",
    f"{EXEC} redis-cli dbsize",
    f"{EXEC} redis-cli slowlog get 10",
    f"{EXEC} redis-cli memory usage somekey",
    f"{EXEC} redis-cli memory stats",
    f"{EXEC} redis-cli -h localhost -p 6379 time",
    f"{EXEC} redis-cli role",
    f"{EXEC} redis-cli --version",
    f"{EXEC} redis-cli -v",
    f"{EXEC} redis-cli exists k",
    f"{EXEC} redis-cli get k",
    f"{EXEC} redis-cli ttl k",
    f"{EXEC} redis-cli type k",
    f"{EXEC} redis-cli scan 0 match 'a*' count 10",
    f"{EXEC} ls -lh /data/",
    f"{EXEC} df -h /data",
    f"{EXEC} du -sh /data",
    f"{EXEC} cat /etc/redis/redis.conf",
    f"{EXEC} head -n 5 /data/appendonly.aof",
    f"{EXEC} tail -n 5 /data/appendonly.aof",
    f"{EXEC} stat /data",
    f"{EXEC} id",
    f"{EXEC} date +%s",
    f"{EXEC} hostname -f",
    f"{EXEC} free -m",
    f"{EXEC} uptime",
    f"{EXEC} ps aux",
    f"{EXEC} env",
    f"{EXEC} env -0",
    f"{EXEC} env redis-cli ping",
    f"{EXEC} which redis-cli",
    f"{EXEC} test -e /data/dump.rdb",
    f"{EXEC} true",
    f"{EXEC} echo hello",
    f"{EXEC} getent hosts redis-master",
    f"{EXEC} nslookup redis-master",
    f"{EXEC} nc -zv redis-master 6379",
    f"{EXEC} nc -z -w 2 redis-master 6379",
    f"{EXEC} find /data -name '*.rdb' -mtime +1 -print",
    f"{EXEC} sh -c 'redis-cli ping | grep PONG'",
    f"{EXEC} bash -c 'ls /data && redis-cli info persistence'",
    f"{EXEC} sh -c 'ls /data | xargs cat'",
    f"{EXEC} sh -c 'echo $(redis-cli ping)'",
    # harmless redirections
    "kubectl get pods -n redis 2>/dev/null",
    "kubectl get pods -n redis >/dev/null 2>&1",
    "kubectl get pods -n redis &> /dev/null",
    f"{EXEC} sh -c 'redis-cli ping 2>&1'",
    # filters after a pipe
    "kubectl get pods -n redis | grep redis | sort | uniq -c | head -3",
    "kubectl get pods -n redis | tail -1 | wc -l",
    "kubectl get pods -n redis | awk '{print $1}' | cut -c1-5 | column -t | tr a-z A-Z",
    "kubectl get pods -n redis -o json | jq '.items[].metadata.name'",
    "kubectl get pods -n redis | sed -n 's/redis/REDIS/gp'",
    "kubectl get pods -n redis | sed -e '1d' -e '$d'",
    # flux, helm, curl
    "flux get helmreleases -n redis",
    "flux logs --kind=HelmRelease -n redis",
    "flux version",
    "flux stats",
    "flux tree kustomization flux-system",
    "flux trace helmrelease redis -n redis",
    "flux events -n redis",
    "flux check",
    "flux export helmrelease redis -n redis",
    "helm list -A",
    "helm status redis -n redis",
    "helm get values redis -n redis",
    "helm history redis -n redis",
    "helm show values bitnami/redis",
    "curl http://localhost:8080/metrics",
    "curl -fsSL -H 'Accept: text/plain' --max-time 5 http://localhost:8080/metrics",
    "curl -sI https://redis-master.redis.svc.cluster.local/",
]


@pytest.mark.parametrize("command", READ_ONLY_CASES)
def test_read_only_commands_run(command: str) -> None:
    assert classes(command) == (K.READ_ONLY,), command


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("kubectl top pod -n redis", (K.NEEDS_ADDON, K.READ_ONLY)),
        ("kubectl port-forward -n redis svc/redis-master 6379:6379", (K.LONG_RUNNING, K.READ_ONLY)),
        (f"{EXEC} redis-cli --latency -h localhost", (K.LONG_RUNNING, K.READ_ONLY)),
        (f"{EXEC} redis-cli --latency-history", (K.LONG_RUNNING, K.READ_ONLY)),
        (f"{EXEC} redis-cli --latency-dist", (K.LONG_RUNNING, K.READ_ONLY)),
        (f"{EXEC} redis-cli --stat", (K.LONG_RUNNING, K.READ_ONLY)),
        (f"{EXEC} redis-cli monitor", (K.LONG_RUNNING, K.READ_ONLY)),
        (f"{EXEC} redis-cli subscribe news", (K.LONG_RUNNING, K.READ_ONLY)),
        ("watch kubectl get pods -n redis", (K.LONG_RUNNING, K.READ_ONLY)),
        ("watch -n 2 'kubectl get pods -n redis | grep redis'", (K.LONG_RUNNING, K.READ_ONLY)),
    ],
)
def test_endless_and_addon_reads_run_with_their_class(command: str, expected: tuple[K, ...]) -> None:
    assert classes(command) == expected


# ---------------------------------------------------------------- rules, writing side

MUTATING_CASES = [
    # kubectl writes
    "kubectl delete pod -n redis redis-master-0",
    "kubectl auth reconcile -f rbac.yaml",
    "kubectl label pod -n redis redis-master-0 a=b",
    "kubectl annotate pod -n redis redis-master-0 a=b",
    "kubectl cp /tmp/x redis/redis-master-0:/data/x",
    "kubectl debug -n redis redis-master-0 --image=busybox",
    "kubectl proxy",
    "kubectl rollout restart statefulset redis-master -n redis",
    "kubectl rollout undo statefulset redis-master -n redis",
    "kubectl config use-context other",
    "kubectl cluster-info dump --output-directory=/tmp/dump",
    "kubectl --profile=cpu --profile-output=/tmp/profile get pods",
    "kubectl get cm -n redis -o yaml | kubectl apply -f -",
    # exec of writing programs and arguments
    f"{EXEC} sh -c 'echo > /data/dump.rdb'",
    f"{EXEC} find /data -name '*.rdb' -delete",
    f"{EXEC} find /data -exec rm {{}} +",
    f"{EXEC} find /data -execdir rm {{}} +",
    f"{EXEC} find /data -ok rm {{}} ;",
    f"{EXEC} find /data -fprint /data/list",
    f"{EXEC} find /data -fls /data/list",
    f"{EXEC} env redis-cli flushall",
    f"{EXEC} env -i redis-cli flushdb",
    f"{EXEC} rm -rf /data",
    f"{EXEC} mv /data/a /data/b",
    f"{EXEC} cp /data/a /data/b",
    f"{EXEC} dd if=/dev/zero of=/data/x count=1",
    f"{EXEC} truncate -s 0 /data/appendonly.aof",
    f"{EXEC} fallocate -l 1G /data/x",
    f"{EXEC} touch /data/x",
    f"{EXEC} kill 1",
    f"{EXEC} chmod 000 /data",
    f"{EXEC} chown nobody /data",
    f"{EXEC} mkdir /data/x",
    f"{EXEC} ln -s /data/a /data/b",
    f"{EXEC} date -s 2000-01-01",
    f"{EXEC} date 010100002000",
    f"{EXEC} hostname adversarial",
    f"{EXEC} nc redis-master 6379",
    f"{EXEC} nc -l 6380",
    f"{EXEC} nc -z -e /bin/sh redis-master 6379",
    f"{EXEC} xargs rm",
    f"{EXEC} awk 'BEGIN{{system(\"rm /data/x\")}}'",
    f"{EXEC} awk '{{print > \"/data/x\"}}' /data/appendonly.aof",
    f"{EXEC} awk '{{print | \"sh\"}}' /data/appendonly.aof",
    f"{EXEC} sed -i s/a/b/ /data/x",
    f"{EXEC} sed -Ei s/a/b/ /data/x",
    f"{EXEC} sed --in-place=.bak s/a/b/ /data/x",
    f"{EXEC} sed 's/a/b/w /data/y' /data/x",
    f"{EXEC} sed -n '1w /data/y' /data/x",
    f"{EXEC} sed '1e rm /data/x' /data/x",
    f"{EXEC} sort -o /data/y /data/x",
    f"{EXEC} uniq /data/x /data/y",
    f"{EXEC} tee /data/x",
    # redis-cli writes
    f"{EXEC} redis-cli flushall",
    f"{EXEC} redis-cli FLUSHDB",
    f"{EXEC} redis-cli del k",
    f"{EXEC} redis-cli set k v",
    f"{EXEC} redis-cli config set appendonly no",
    f"{EXEC} redis-cli config rewrite",
    f"{EXEC} redis-cli shutdown",
    f"{EXEC} redis-cli debug sleep 0",
    f"{EXEC} redis-cli save",
    f"{EXEC} redis-cli bgsave",
    f"{EXEC} redis-cli bgrewriteaof",
    f"{EXEC} redis-cli client kill type normal",
    f"{EXEC} redis-cli --rdb /data/x.rdb",
    f"{EXEC} redis-cli --pipe",
    f"{EXEC} redis-cli eval \"redis.call('set','k','v')\" 0",
    f"{EXEC} redis-cli script flush",
    f"{EXEC} redis-cli -n 1 flushdb",
    # redirections, anywhere
    "kubectl get pods -n redis > /tmp/x",
    "kubectl get pods -n redis >> /tmp/x",
    "kubectl get pods -n redis 2> /tmp/err",
    "kubectl get pods -n redis &> /tmp/x",
    "kubectl get pods -n redis >| /tmp/x",
    "kubectl get pods -n redis >& /tmp/x",
    "kubectl get pods -n redis <> /tmp/x",
    "kubectl get pods -n redis>/tmp/x",
    f"{EXEC} ls /data > /tmp/x",
    f"{EXEC} sh -c 'redis-cli info > /data/info'",
    f'{EXEC} sh -c "echo pwned >> /data/x"',
    # sequences and pipes
    f"{EXEC} sh -c 'ls /data; rm -rf /data/*'",
    "kubectl get pods -n redis && kubectl delete pod -n redis redis-master-0",
    "kubectl get pods -n redis || rm -rf /data",
    "kubectl get pods -n redis & rm -rf /data",
    "kubectl get pods -n redis | sh",
    "kubectl get pods -n redis | bash",
    "kubectl get pods -n redis |& sh",
    "kubectl get pods -n redis | tee /tmp/x",
    "kubectl get pods -n redis | xargs rm",
    "kubectl get pods -n redis | redis-cli",
    f"{EXEC} sh -c 'cat /data/appendonly.aof | tee /data/copy'",
    # substitutions
    "kubectl get pods $(kubectl delete pod -n redis redis-master-0)",
    "kubectl get pods `kubectl delete pod -n redis redis-master-0`",
    "kubectl get pods $(echo $(rm -rf /data))",
    f"{EXEC} sh -c 'echo $(redis-cli flushdb)'",
    "kubectl get pods > >(tee /tmp/x)",
    # flux, helm, curl
    "flux reconcile helmrelease redis -n redis",
    "flux suspend helmrelease redis -n redis",
    "flux resume helmrelease redis -n redis",
    "flux delete helmrelease redis -n redis",
    "flux uninstall",
    "helm upgrade redis bitnami/redis",
    "helm uninstall redis",
    "curl -X DELETE http://localhost:8001/api/v1/namespaces/redis/pods/redis-master-0",
    "curl -sXDELETE http://localhost:8001/x",
    "curl --request POST http://localhost:8080/x",
    "curl -d a=b http://localhost:8080/x",
    "curl --data-binary @/tmp/x http://localhost:8080/x",
    "curl -F f=@/tmp/x http://localhost:8080/x",
    "curl -T /tmp/x http://localhost:8080/x",
    "curl --upload-file /tmp/x http://localhost:8080/x",
    "curl -o /tmp/x http://localhost:8080/metrics",
    "curl -sSo /tmp/x http://localhost:8080/metrics",
    "curl -O http://localhost:8080/metrics",
    "curl --remote-name http://localhost:8080/metrics",
    "curl -K /tmp/curlrc http://localhost:8080/metrics",
    "curl --json '{}' http://localhost:8080/x",
    "curl -w '%output{/tmp/x}' http://localhost:8080/metrics",
    "curl dict://redis-master.redis.svc.cluster.local:6379/flushall",
    "curl gopher://127.0.0.1:6379/_FLUSHALL",
]


@pytest.mark.parametrize("command", MUTATING_CASES)
def test_writing_commands_are_mutating(command: str) -> None:
    found = classes(command)
    assert K.MUTATING in found, (command, found)
    assert not runnable(command)


UNKNOWN_CASES = [
    "terraform destroy",
    "kubectl frobnicate pods",
    "kubectl diff -f x.yaml",
    "kubectl exec -n redis redis-master-0 ls",
    f"{EXEC} redis-cli frobnicate",
    f"{EXEC} redis-cli config frobnicate",
    f"{EXEC} redis-cli --frobnicate ping",
    f"{EXEC} /bin/rm -rf /data",
    f"{EXEC} busybox rm -rf /data",
    f"{EXEC} find /data $(echo -delete)",
    f"{EXEC} sh -c 'O=-delete; find /data $O'",
    f"{EXEC} redis-cli -h $(echo localhost flushall) ping",
    f"{EXEC} $(echo rm) -rf /data",
    f"{EXEC} sh /data/script.sh",
    f"{EXEC} awk -f /data/prog.awk /data/x",
    f"{EXEC} sed -f /data/prog.sed /data/x",
    f"{EXEC} env LD_PRELOAD=/data/x.so cat /data/x",
    "FOO=bar kubectl get pods",
    "kubectl describe node $(echo --profile=cpu --profile-output=/tmp/x)",
    # kubectl output formats that can print text of the runbook's choosing are not cluster values
    f"{EXEC} find /data $(kubectl get pod -n redis x -o jsonpath='-delete')",
    f"{EXEC} find /data $(kubectl get pod -n redis x -o jsonpath='{{\"-delete\"}}')",
    f"{EXEC} find /data $(kubectl get pod -n redis x -o go-template='-delete')",
    f"{EXEC} find /data $(kubectl get pod -n redis x)",
    "flux frobnicate",
    "helm frobnicate",
    "curl localhost:8080/metrics",
    "curl --proto-default dict redis-master:6379/flushall",
    "kubectl get pods | frobnicate",
    "kubectl get pods -n redis 'unclosed",
    "echo $((1 + 2))",
    "kubectl get pods |",
]


@pytest.mark.parametrize("command", UNKNOWN_CASES)
def test_unknown_commands_are_classified_unknown_and_do_not_run(command: str) -> None:
    found = classes(command)
    assert K.UNKNOWN in found and K.MUTATING not in found, (command, found)
    assert not runnable(command)


@pytest.mark.parametrize(
    "command",
    [
        "kubectl edit helmrelease redis -n redis",
        "kubectl attach -it -n redis redis-master-0",
        "kubectl exec -it -n redis redis-master-0 -- sh",
        "kubectl run test --rm -it --image=redis:7.2 -n redis -- redis-cli ping",
        f"{EXEC} redis-cli",
    ],
)
def test_interactive_commands_do_not_run(command: str) -> None:
    assert classes(command)[0] == K.INTERACTIVE


def test_placeholders_are_words_not_redirections() -> None:
    assert classify("kubectl cordon <node-name>") == ((K.MUTATING, K.PLACEHOLDER), ("node-name",))
    assert classify("kubectl describe node <node-name>") == ((K.PLACEHOLDER, K.READ_ONLY), ("node-name",))


def test_the_drift_gate_says_why_an_unknown_command_did_not_run() -> None:
    cmd = parse_file(ADVERSARIAL_PATH).commands[0]
    unknown = Command("frob", 1, cmd.block, classes=(K.UNKNOWN,))
    assert drift.not_run_reason(unknown).startswith("unknown command: not proven read-only, not run")


# ---------------------------------------------------------------- `python -m checks runbook check`


class _FakeCluster:
    @classmethod
    def connect(cls, kubeconfig: Path, context: str | None) -> _FakeCluster:
        return cls()


class _PassingExecutor:
    """Runs nothing; says every command it is given passed, and remembers them."""

    ran: ClassVar[list[str]] = []

    def __init__(self, cluster: object, names: object = None, log: object = None) -> None:
        _PassingExecutor.ran = []

    def run(self, cmd: Command) -> Execution:
        _PassingExecutor.ran.append(cmd.text)
        return Execution(cmd.line, cmd.text, cmd.text, outcome=Outcome.PASSED)

    def stop_background(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def no_cluster(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cli, "Cluster", _FakeCluster)
    monkeypatch.setattr(cli, "Executor", _PassingExecutor)
    monkeypatch.setattr(cli, "REPORTS", tmp_path)
    monkeypatch.setattr(cli.drift, "check_names", lambda runbook, cluster, names: [])


@pytest.mark.usefixtures("no_cluster")
def test_check_runs_only_the_harmless_commands_and_counts_unknown_ones_as_problems(
    capsys: pytest.CaptureFixture[str], adversarial: Runbook
) -> None:
    assert cli.main(["runbook", "check", "--runbook", str(ADVERSARIAL_PATH)]) == 1
    assert _PassingExecutor.ran == HARMLESS
    unknown = [c for c in adversarial.commands if K.UNKNOWN in c.classes]
    assert unknown
    out, err = capsys.readouterr()
    assert f"{len(unknown)} command problems" in out
    for cmd in unknown:
        assert f"line {cmd.line}: not run: unknown command: not proven read-only" in err


@pytest.mark.usefixtures("no_cluster")
def test_check_of_the_real_runbook_has_no_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["runbook", "check", "--runbook", str(RUNBOOK_PATH)]) == 0
    assert _PassingExecutor.ran == _real_runnable()
    assert "0 command problems" in capsys.readouterr().out


# ---------------------------------------------------------------- properties

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
@given(st.sampled_from(_real_runnable()), ANY_WRITE)
def test_adding_a_write_to_a_read_only_runbook_command_makes_it_not_runnable(command: str, write: str) -> None:
    assert runnable(command)
    assert not runnable(command + write), command + write


@settings(max_examples=300)
@given(st.sampled_from([t for t in _real_runnable() if t.startswith(f"{EXEC} ")]), ANY_WRITE)
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
