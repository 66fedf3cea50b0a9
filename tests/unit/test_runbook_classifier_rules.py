"""Every rule of the runbook classifier (checks/runbook/classify/) on its read-only and its writing side:
commands that run, commands that write, commands the classifier does not know, interactive ones, placeholders.
"""

from __future__ import annotations

import pytest

from checks.runbook.classify.entry import classify
from checks.runbook.model import CommandClass as K
from tests.unit.classifier_helpers import EXEC, classes, runnable

pytestmark = pytest.mark.unit


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
