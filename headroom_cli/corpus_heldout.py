"""Corpus workloads taught by the held-out check (benchmarks/heldout_check.py): synthetic workloads of the check
that showed a failing class, moved here with the fix they taught (they are held-out no more).

`kubectl_describe`: `kubectl describe pod` whose 40 events repeat one mount failure: read as a table, every event
row stayed and the fields went (the secret's name, the container's waiting reason). `csv_orders`: 1,500 CSV rows
asked about one customer's order: every row was a line of its own to the text compressor (71.6 % saved).
`pytest_one_of_many`: 25 failures, the request names one: every failure stayed whole and nothing was cut.
`journal_oom`: a machine's journal over four hours (nine units, 2,800 lines) with one OOM kill, read with
`journalctl --since … --until …`: the dates of the call's range matched every line of one unit (dockerd stamps its
messages with the date), and those 300 lines were kept as if the request named them.
"""
from __future__ import annotations

import random

from .corpus_records import chat_request, claude_request, codex_request

__all__ = ["BUILDERS"]


_UNITS = ("cron", "sshd", "systemd", "nginx", "postgres", "dockerd", "kubelet", "chronyd", "CRON")


def journal(r: random.Random, n: int = 2800) -> tuple[str, list[str]]:
    out = []
    t_at = r.randrange(n // 2, n - 100)
    needles = []
    for i in range(n):
        h, m, s = 1 + i * 4 // n, (i * 7) % 60, (i * 13) % 60
        ts = f"Dec 02 {h:02d}:{m:02d}:{s:02d} web-07"
        u = r.choice(_UNITS)
        pid = r.randint(300, 40000)
        msg = {"cron": f"(root) CMD (/usr/lib/sysstat/sa1 1 1)",
               "CRON": f"pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
               "sshd": f"Accepted publickey for deploy from 10.8.{r.randint(0, 9)}.{r.randint(1, 250)} port "
                       f"{r.randint(30000, 60000)} ssh2: ED25519 SHA256:{r.getrandbits(60):015x}",
               "systemd": r.choice(("Started Session {} of User deploy.".format(r.randint(100, 9999)),
                                    "logrotate.service: Deactivated successfully.",
                                    "Finished Daily apt download activities.")),
               "nginx": f"2026/12/02 {h:02d}:{m:02d}:{s:02d} [warn] {pid}#0: *{r.randint(1, 10**6)} an upstream "
                        f"response is buffered to a temporary file",
               "postgres": f"[{pid}] LOG:  checkpoint complete: wrote {r.randint(10, 900)} buffers",
               "dockerd": f"time=\"2026-12-02T{h:02d}:{m:02d}:{s:02d}Z\" level=info msg=\"ignoring event\" "
                          f"container={r.getrandbits(64):016x} module=libcontainerd",
               "kubelet": f"I1202 {h:02d}:{m:02d}:{s:02d}.{r.randint(0, 999999):06d} {pid} "
                          f"kubelet_volumes.go:160] \"Cleaned up orphaned pod volumes dir\"",
               "chronyd": f"Selected source 169.254.169.123"}[u]
        out.append(f"{ts} {u}[{pid}]: {msg}" if u not in ("systemd",) else f"{ts} systemd[1]: {msg}")
        if i == t_at:
            lines = [f"{ts} kernel: Out of memory: Killed process 48213 (search-indexer) total-vm:9123456kB, "
                     f"anon-rss:7811232kB, file-rss:0kB, shmem-rss:0kB, UID:998 pgtables:15640kB oom_score_adj:0",
                     f"{ts} systemd[1]: search-indexer.service: Main process exited, code=killed, status=9/KILL",
                     f"{ts} systemd[1]: search-indexer.service: Failed with result 'oom-kill'."]
            out.extend(lines)
            needles = lines
    return "\n".join(out) + "\n", needles


def _w_journal() -> dict:
    r = random.Random(7106)
    out, needles = journal(r)
    q = "The search indexer on web-07 died sometime after 2am last night. Why?"
    body = claude_request(q, "I'll read the machine's journal for that window.",
                          "journalctl --since '2026-12-02 01:00' --until '2026-12-02 05:00' --no-pager", out,
                          seed=7106)
    return dict(name="heldout_journal_oom", protocol="anthropic", body=body, needles=needles,
                description="journalctl of 2,800 lines from nine units over a dated range, one OOM kill",
                tags=["log", "heldout"])


def W(name: str, protocol: str, body: dict, needles: list[str], *, kind: str) -> dict:
    return dict(name=name, protocol=protocol, body=body, needles=needles, description=kind, tags=["heldout"])


def kubectl_describe(r: random.Random) -> tuple[str, list[str]]:
    out = ["Name:             ledger-writer-6d9f7c8b5-x2kqp", "Namespace:        prod", "Priority:         0",
           "Service Account:  ledger-writer", "Node:             ip-10-4-12-77.ec2.internal/10.4.12.77",
           "Start Time:       Tue, 01 Dec 2026 08:12:44 +0000", "Labels:           app=ledger-writer",
           "                  pod-template-hash=6d9f7c8b5", "Annotations:      kubectl.kubernetes.io/restartedAt: 2026-12-01T08:12:40Z",
           "Status:           Pending", "IP:", "IPs:              <none>", "Controlled By:    ReplicaSet/ledger-writer-6d9f7c8b5",
           "Containers:", "  writer:", "    Container ID:", "    Image:          registry.internal/ledger-writer:v3.14.2",
           "    Image ID:", "    Port:           8080/TCP", "    Host Port:      0/TCP", "    State:          Waiting",
           "      Reason:       ContainerCreating", "    Ready:          False", "    Restart Count:  0",
           "    Limits:", "      cpu:     2", "      memory:  2Gi", "    Requests:", "      cpu:        500m",
           "      memory:     1Gi", "    Environment:"]
    out += [f"      {k}:  {v}" for k, v in (("LEDGER_DSN", "<set to the key 'dsn' in secret 'ledger-db'>"),
                                            ("LOG_LEVEL", "info"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:4317"))]
    out += ["    Mounts:", "      /etc/ledger/tls from ledger-tls (ro)",
            "      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-8x2lq (ro)",
            "Conditions:", "  Type              Status", "  Initialized       True", "  Ready             False",
            "  ContainersReady   False", "  PodScheduled      True", "Volumes:", "  ledger-tls:",
            "    Type:        Secret (a volume populated by a Secret)", "    SecretName:  ledger-writer-tls",
            "    Optional:    false", "  kube-api-access-8x2lq:", "    Type:                    Projected",
            "QoS Class:                   Burstable", "Node-Selectors:              <none>",
            "Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s", "Events:",
            "  Type     Reason       Age                 From               Message",
            "  ----     ------       ----                ----               -------"]
    for k in range(40):
        out.append(f"  Warning  FailedMount  {3 * k + 2}m (x{r.randint(2, 9)} over {3 * k + 40}m)  kubelet  "
                   f"MountVolume.SetUp failed for volume \"ledger-tls\" : secret \"ledger-writer-tls\" not found")
    out.append("  Normal   Scheduled    122m                default-scheduler  Successfully assigned prod/"
               "ledger-writer-6d9f7c8b5-x2kqp to ip-10-4-12-77.ec2.internal")
    return "\n".join(out) + "\n", ["    SecretName:  ledger-writer-tls",
                                   out[-2].split("kubelet  ")[1], "      Reason:       ContainerCreating"]


def w_describe() -> dict:
    r = random.Random(7304)
    out, needles = kubectl_describe(r)
    body = codex_request("Why is the ledger writer pod stuck?", "kubectl describe pod -n prod ledger-writer-6d9f7c8b5-x2kqp",
                         out, seed=7304)
    return W("heldout_kubectl_describe", "openai_responses", body, needles, kind="kubectl describe, repeated events")


def csv_orders(r: random.Random, n: int = 1500) -> tuple[str, str]:
    names = ("Ada Park", "Bo Chen", "Cy Ruiz", "Di Okafor", "Ed Vos", "Flo Haas", "Gus Ivanov", "Hana Sato",
             "Ivo Marek", "Jin Woo")
    out = ["order_id,customer,email,sku,qty,unit_price,currency,placed_at,status"]
    t_at = r.randrange(n // 2, n - 10)
    target = ""
    for i in range(n):
        c = r.choice(names) if i != t_at else "Noor Haddad"
        st = r.choice(("paid", "shipped", "delivered")) if i != t_at else "disputed"
        line = (f"{100000 + i},{c},{c.split()[0].lower()}@example.com,SKU-{r.randint(1000, 9999)},{r.randint(1, 5)},"
                f"{r.randint(5, 300)}.{r.randint(0, 99):02d},EUR,2026-11-{r.randint(1, 30):02d}T{r.randint(0, 23):02d}:00:00Z,{st}")
        out.append(line)
        if i == t_at:
            target = line
    return "\n".join(out) + "\n", target


def w_csv() -> dict:
    r = random.Random(7305)
    out, target = csv_orders(r)
    body = chat_request("Noor Haddad says her order was disputed by mistake. Which order is it and what did she buy?",
                        "psql -c \"\\copy (select * from orders where placed_at > now() - interval '30 days') to stdout csv header\"",
                        out, seed=7305)
    return W("heldout_csv_orders", "openai_chat", body, [target, out.split("\n")[0]], kind="csv rows, one by a person's name")


def w_pytest_many_fail() -> dict:
    r = random.Random(7403)
    out = ["============================= test session starts ==============================",
           "platform linux -- Python 3.12.3, pytest-8.3.3, pluggy-1.5.0", "rootdir: /home/dev/shop",
           "collected 420 items", ""]
    files = [f"tests/test_{m}.py" for m in ("cart", "orders", "refunds", "tax", "coupons", "users")]
    dots = []
    for f in files:
        dots.append(f"{f} " + "".join(r.choice("....F") for _ in range(70)) + " [ 16%]")
    out += dots + ["", "=================================== FAILURES ==================================="]
    needle = []
    for k in range(25):
        name = f"test_{r.choice(('cart', 'tax', 'coupon'))}_{r.choice(('rounding', 'limits', 'currency'))}_{k}"
        if k == 17:
            name = "test_refund_rounding_partial"
        out += [f"_{'_' * 20} {name} {'_' * 20}", "", f"    def {name}():"]
        out += [f"        x{j} = make_fixture({j})" for j in range(12)]
        if k == 17:
            e = "E       AssertionError: assert Decimal('6.59') == Decimal('6.60')"
            out += ["        order = make_order(total=Decimal('19.99'))",
                    ">       assert refund(order, pct=33) == Decimal('6.60')", e]
            needle = [e]
        else:
            out += [f">       assert compute(x1) == {k}", f"E       assert {k + 1} == {k}"]
        out += ["", f"tests/test_misc.py:{40 + k}: AssertionError"]
    out += ["=========================== short test summary info ============================"]
    out += ["FAILED tests/test_misc.py::test_x - assert" for _ in range(3)]
    out += ["======================= 25 failed, 395 passed in 12.04s ========================"]
    body = claude_request("Why does test_refund_rounding_partial fail?", "Running the tests.", "pytest",
                          "Exit code 1\n" + "\n".join(out) + "\n", seed=7403)
    return W("heldout_pytest_one_of_many", "anthropic", body, needle + [out[-1]], kind="test output, one named failure of 25")


BUILDERS = (_w_journal, w_describe, w_csv, w_pytest_many_fail)
