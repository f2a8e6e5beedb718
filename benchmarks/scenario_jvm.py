"""An eighth workspace for captured sessions, new work the engine was never tuned on: a small Java 17 service
("depot", our own code on the JDK only; its tests use Debian's JUnit 4, nothing is downloaded) that replays a parts
warehouse's order files (RESERVE, CONFIRM, SHIP, RELEASE) over a catalog of 300 SKUs. A reservation holds its units
for 15 minutes unless the customer confirms it; a confirmed order keeps them until it ships. Its git history has six
commits at fixed dates; the fifth ("the sweeper streams the open reservations in deadline order") drops the sweeper's
status check, so a confirmed order whose hold time has passed is swept too: its units go back and its SHIP fails
("no open reservation (its hold expired)"). Three of 35 JUnit tests fail for real (two assertions, one error with a
Caused by: chain). A legacy importer keeps 50-odd real javac -Xlint:all warnings (raw types, unchecked calls,
deprecated boxing constructors and Date methods, one fall-through that is a real bug); the status server uses
sun.misc.Signal (a JDK-internal API: javac's warning, jdeps' listing); its transfer desk locks two sites in argument
order, so the night's two transfers deadlock (tools/threaddump.sh runs the server and dumps it with jstack).

build() compiles it for real (javac, make, jar), then runs the replay over 30 generated order files (seeded), so
logs/depot.log is a real java.util.logging log (timestamps from the order data; the bug's failed SHIPs, each with the
same stack and its Caused by:, over and over, refused reservations, and one file abandoned on an unreadable line:
a three-level cause chain) and reports/stock.json a real report of 300 SKUs; then the soak run (tools/soak.sh), whose
dashboard history keeps every file's report, under -Xmx32m with -Xlog:gc*: a real G1 log that ends in full
collections, and the run's OutOfMemoryError. Needles are computed from the built workspace."""
from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import scenario_tools  # noqa: E402  (benchmarks/ is on the path: run as a script or imported by the capture)
from scenario_jvm_src import SOURCES  # noqa: E402

ASKED = "Hydraulic hose, 1/2 inch, 10 m reel"
ASKED_AT = 291  # near the end of the catalog: its record survives an agent's own head+tail cut of a long listing
BUG_LINE = "                .filter(r -> r.expiresAt().isBefore(now))"
GOOD_LINE = "            if (r.status() == Status.HELD && r.expiresAt().isBefore(now)) {"
GENERATED_AT = "2026-12-02T06:00:00Z"
FILES = 30
ABANDONED = 17  # orders-0017.csv has an unreadable line
JAVA = shutil.which("java")
JAVAC = shutil.which("javac")
JUNIT = Path("/usr/share/java/junit4.jar")
HAMCREST = Path("/usr/share/java/hamcrest-core.jar")
TOOL_PATH: list[str] = []  # java, javac, jar, jdeps, jstack, make and jq are in /usr/bin

README = '''# depot

Stock reservations for the parts warehouse: replays the order gateways' files over the catalog and writes the stock
report. JDK 17 and make, no build tool (the build hosts have no Maven repository); tests use JUnit 4 from
/usr/share/java (Debian's junit4 package).

    make            # javac into build/classes
    make test       # JUnit 4 (org.junit.runner.JUnitCore)
    make jar        # build/depot.jar
    java -cp build/classes depot.app.Main replay --catalog data/catalog.tsv --log logs/depot.log \\
        --report reports/stock.json data/orders/*.csv

Order lines: `<timestamp>,RESERVE,<id>,<sku>,<qty>,<customer>` and `<timestamp>,CONFIRM|SHIP|RELEASE,<id>`.
A reservation holds its units for 15 minutes; a confirmed one keeps them until it ships.
'''

README_SERVER = README + '''
## Status server

`java -cp build/classes depot.app.Main serve --catalog data/catalog.tsv [--transfers]` serves /status on loopback;
SIGHUP reloads the catalog. With `--transfers` it also runs the night's transfers between DUB and RTM.
`tools/threaddump.sh` starts it with the transfers and dumps its threads (jstack).
'''

README_NIGHTLY = README_SERVER + '''
## Nightly

The nightly job replays `data/orders/` (30 files) into `logs/depot.log` and `reports/stock.json`, then runs
`tools/soak.sh`: the day's orders again and again as the dashboard sees them, with a 32 MB heap and the GC log in
`logs/gc.log` (its own output in `logs/soak.out`).
'''

GITIGNORE = "/build/\n/logs/\n/reports/\n/data/orders/\n"

MAKEFILE = '''# depot: javac, jar and JUnit 4 from Debian (/usr/share/java), no build tool
JUNIT_CP := /usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar
MAIN_SRC := $(shell find src/main/java -name '*.java' | sort)
TEST_SRC := $(shell find src/test/java -name '*.java' | sort)
TESTS := $(subst /,.,$(patsubst src/test/java/%.java,%,$(TEST_SRC)))

.PHONY: compile test jar clean
compile:
\tjavac -d build/classes $(MAIN_SRC)

test: compile
\tjavac -d build/test-classes -cp build/classes:$(JUNIT_CP) $(TEST_SRC)
\tjava -cp build/classes:build/test-classes:$(JUNIT_CP) org.junit.runner.JUnitCore $(TESTS)

jar: compile
\tjar --create --file build/depot.jar --main-class depot.app.Main -C build/classes .

clean:
\trm -rf build
'''

THREADDUMP_SH = '''#!/bin/sh
# Starts the status server with the night's transfers (as the nightly does), waits until the transfers are under
# way and dumps the server's threads with jstack, then stops it.
set -eu
mkdir -p logs
java -cp build/classes depot.app.Main serve --catalog data/catalog.tsv --transfers > logs/serve.out 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    grep -q 'transfer desk: 2 transfers started' logs/serve.out 2>/dev/null && break
    sleep 0.5
done
sleep 2
jstack -l "$pid"
'''

SOAK_SH = '''#!/bin/sh
# The soak run: the day's orders replayed again and again as the dashboard sees them (the live report after every
# line), with the nightly's 32 MB heap and the GC log in logs/gc.log.
mkdir -p logs
exec java -Xmx32m -XX:+UseG1GC -Xlog:gc*:file=logs/gc.log:uptime,level,tags -cp build/classes \\
    depot.app.Main soak --catalog data/catalog.tsv --rounds ${ROUNDS:-40} data/orders/*.csv > logs/soak.out 2>&1
'''


def _sub(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


SERVICE = "src/main/java/depot/service/ReservationService.java"
MAIN = "src/main/java/depot/app/Main.java"
SERVICE_V1 = _sub(_sub(_sub(SOURCES[SERVICE], "import java.util.Comparator;\n", ""),
                       "import java.util.HashSet;\n", "import java.util.HashSet;\nimport java.util.Iterator;\n"),
                  '''    /** Ends every hold whose time is up at `now` and returns their ids, oldest deadline first. */
    public List<String> sweepExpired(Instant now) {
        List<Reservation> due = open.values().stream()
''' + BUG_LINE + '''
                .sorted(Comparator.comparing(Reservation::expiresAt))
                .toList();
        List<String> ids = new ArrayList<>();
        for (Reservation r : due) {
            open.remove(r.id());
            expired.add(r.id());
            inventory.level(r.sku()).release(r.quantity());
            ids.add(r.id());
        }
        return ids;
    }
''', '''    /** Ends every hold whose time is up at `now` and returns their ids, in the order they were made. */
    public List<String> sweepExpired(Instant now) {
        List<String> ids = new ArrayList<>();
        for (Iterator<Reservation> it = open.values().iterator(); it.hasNext();) {
            Reservation r = it.next();
''' + GOOD_LINE + '''
                it.remove();
                expired.add(r.id());
                inventory.level(r.sku()).release(r.quantity());
                ids.add(r.id());
            }
        }
        return ids;
    }
''')
_SOAK = SOURCES[MAIN][SOURCES[MAIN].index("    /** Replays the orders `rounds` times"):
                      SOURCES[MAIN].index("    private static void usage()")]
MAIN_V2 = _sub(_sub(_sub(_sub(SOURCES[MAIN], _SOAK, ""),
                         '            case "soak" -> soak(catalog, rounds, orders);\n', ""),
                    '                case "--rounds" -> rounds = Integer.parseInt(args[++i]);\n', ""),
               "        int rounds = 1;\n", "")
MAIN_V1 = _sub(_sub(_sub(MAIN_V2, '            case "serve" -> Server.run(catalog, transfers);\n', ""),
                    '                case "--transfers" -> transfers = true;\n', ""),
               "        boolean transfers = false;\n", "")
MAIN_V1 = MAIN_V1.replace(" *  depot serve --catalog FILE [--transfers]\n", "").replace(
    " *  depot soak --catalog FILE --rounds N ORDERS...", "")
MAIN_V2 = MAIN_V2.replace("\n *  depot soak --catalog FILE --rounds N ORDERS...", "")


def _pick(*prefixes: str) -> dict[str, str]:
    return {p: t for p, t in SOURCES.items() if p.startswith(prefixes)}


def _commit(proj: Path, date: str, msg: str, files: dict[str, str]) -> None:
    scenario_tools.write(proj, files)
    for rel in files:
        if rel.endswith(".sh"):
            (proj / rel).chmod(0o755)
    scenario_tools.git(proj, date, "add", ".")
    scenario_tools.git(proj, date, "commit", "-qm", msg)


def _history(proj: Path, catalog: str) -> None:
    scenario_tools.git(proj, "2026-11-16T09:05:00Z", "init", "-q", "-b", "main")
    m = "src/main/java/depot/"
    t = "src/test/java/depot/"
    _commit(proj, "2026-11-16T09:05:00Z", "depot: SKUs, stock levels and reservations with a 15-minute hold", {
        ".gitignore": GITIGNORE, "README.md": README, "Makefile": MAKEFILE,
        **_pick(m + "model/", m + "service/", m + "store/StockLevel", m + "store/Inventory",
                t + "service/", t + "store/StockLevelTest"),
        SERVICE: SERVICE_V1})
    _commit(proj, "2026-11-18T15:40:00Z",
            "replay: order files into the service at their own time, java.util.logging, the JSON stock report", {
                **_pick(m + "io/OrderLine", m + "io/CatalogLoader", m + "io/StockReport", m + "app/Replay",
                        m + "app/LogFormat", t + "io/", t + "app/"),
                MAIN: MAIN_V1, "data/catalog.tsv": catalog})
    _commit(proj, "2026-11-20T11:12:00Z", "legacy: read the old ERP's stock export for the yearly reconciliation",
            _pick(m + "io/LegacyImport"))
    _commit(proj, "2026-11-24T17:30:00Z",
            "server: /status on loopback, reservation workers, hold sweeper, catalog watcher, SIGHUP reloads; "
            "the transfer desk moves stock between sites", {
                **_pick(m + "app/Server", m + "store/Warehouse", m + "store/TransferDesk", t + "store/TransferDesk"),
                MAIN: MAIN_V2, "README.md": README_SERVER, "tools/threaddump.sh": THREADDUMP_SH})
    _commit(proj, "2026-11-27T10:02:00Z",
            "service: the sweeper streams the open reservations in deadline order", {SERVICE: SOURCES[SERVICE]})
    _commit(proj, "2026-12-01T08:20:00Z", "tools: the soak run (orders over and over, 32 MB heap, GC log); "
            "README: the nightly", {MAIN: SOURCES[MAIN], "README.md": README_NIGHTLY, "tools/soak.sh": SOAK_SH})
    assert set(_pick("")) <= set(_tracked(proj)), "every source is committed"


def _tracked(proj: Path) -> list[str]:
    return subprocess.run(["git", "ls-files"], cwd=proj, capture_output=True, text=True, check=True).stdout.split()


# -- generated data ---------------------------------------------------------------------------------------

_KINDS = [
    ("FA", "Hex bolt", ["M6x20", "M6x30", "M8x25", "M8x40", "M10x50", "M12x60"], ["zinc", "A2 stainless"], "A"),
    ("FA", "Hex nut", ["M6", "M8", "M10", "M12"], ["zinc", "A4 stainless"], "A"),
    ("BE", "Deep groove ball bearing", ["6201-2RS", "6202-2RS", "6204-2RS", "6205-ZZ", "6206-ZZ", "6305-2RS"],
     ["C3", "standard"], "B"),
    ("SE", "O-ring", ["10x2", "20x2", "25x3", "40x3", "60x4"], ["NBR 70", "FKM 75"], "C"),
    ("PN", "Push-in fitting", ["4 mm", "6 mm", "8 mm", "10 mm", "12 mm"], ["straight", "elbow", "tee"], "D"),
    ("EL", "Cable gland", ["M16", "M20", "M25", "M32"], ["nylon", "brass"], "E"),
    ("HY", "Hydraulic hose", ["1/4 inch", "3/8 inch", "1/2 inch", "3/4 inch"], ["10 m reel", "25 m reel"], "F"),
    ("HY", "Hydraulic coupling", ["1/4 inch", "3/8 inch", "1/2 inch", "3/4 inch"], ["male", "female"], "F"),
    ("EL", "Contactor", ["9 A", "12 A", "18 A", "25 A"], ["24 V DC coil", "230 V AC coil"], "E"),
    ("BE", "Pillow block bearing", ["UCP204", "UCP205", "UCP206"], ["cast iron", "stainless"], "B"),
    ("SE", "Shaft seal", ["20x35x7", "25x40x7", "30x47x7", "35x52x7"], ["NBR", "FKM"], "C"),
    ("PN", "Solenoid valve 5/2", ["G1/8", "G1/4"], ["24 V DC", "230 V AC"], "D"),
]


def _catalog(rnd: random.Random) -> list[dict]:
    items: list[dict] = []
    seen = set()
    n = 100
    while len(items) < 299:
        prefix, kind, sizes, variants, aisle = rnd.choice(_KINDS)
        desc = f"{kind}, {rnd.choice(sizes)}, {rnd.choice(variants)}"
        if desc in seen or desc == ASKED:
            desc = f"{desc}, pack of {rnd.choice([5, 10, 25, 50])}"
        if desc in seen or desc.startswith(ASKED):
            continue
        seen.add(desc)
        n += rnd.randint(1, 7)
        on_hand = rnd.choice([12, 20, 30, 40, 60, 80, 120, 200, 400])
        items.append({"code": f"{prefix}-{n:04d}", "description": desc,
                      "location": f"{aisle}-{rnd.randint(1, 24):02d}-{rnd.randint(1, 6)}",
                      "on_hand": on_hand, "reorder_at": max(2, on_hand // 5)})
    items.insert(ASKED_AT, {"code": "HY-2207", "description": ASKED, "location": "F-11-2", "on_hand": 48,
                            "reorder_at": 10})
    return items


def _catalog_tsv(items: list[dict]) -> str:
    return "code\tdescription\tlocation\ton_hand\treorder_at\n" + "".join(
        f"{i['code']}\t{i['description']}\t{i['location']}\t{i['on_hand']}\t{i['reorder_at']}\n" for i in items)


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _orders(rnd: random.Random, items: list[dict]) -> list[str]:
    out = []
    rid = 4000
    start = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)
    for f in range(1, FILES + 1):
        t0 = start + timedelta(minutes=40 * (f - 1))
        active = rnd.sample(items, 6) + ([items[ASKED_AT]] if f % 3 == 0 else [])
        events: list[tuple[datetime, str]] = []
        for _ in range(rnd.randint(8, 13)):
            rid += 1
            r = f"R-{rid:06d}"
            inst = rnd.choice(active)
            sku = inst["code"] if rnd.random() > 0.02 else rnd.choice(["HY-9001", "FA-0007"])  # discontinued
            at = t0 + timedelta(seconds=rnd.randint(0, 35 * 60), milliseconds=rnd.randint(0, 999))
            qty = rnd.choice([1, 2, 2, 4, 5, 5, 6, 8, 10, 12, 20])
            events.append((at, f"RESERVE,{r},{sku},{qty},C{rnd.randint(1, 480):04d}"))
            p = rnd.random()
            if p < 0.7:
                conf = at + timedelta(seconds=rnd.randint(40, 9 * 60))
                events.append((conf, f"CONFIRM,{r}"))
                events.append((conf + timedelta(seconds=rnd.randint(3 * 60, 28 * 60)), f"SHIP,{r}"))
            elif p < 0.82:
                events.append((at + timedelta(seconds=rnd.randint(30, 12 * 60)), f"RELEASE,{r}"))
        events.sort()
        lines = [f"# orders {f:04d}, gateway GW-{1 + f % 3}, shift starting {_ts(t0)}"]
        lines += [f"{_ts(at)},{rest}" for at, rest in events]
        if f == ABANDONED:
            k = 2 * len(lines) // 3
            at, rest = events[k - 1]
            lines[k] = f"{_ts(at)},RESERVE,R-{rid + 1:06d},{active[0]['code']},1O,C0211"
            rid += 1
        out.append("\n".join(lines) + "\n")
    return out


def _env(proj: Path) -> dict:
    return {"PATH": "/usr/bin:/bin", "HOME": str(proj), "LC_ALL": "C.UTF-8"}


def _run(proj: Path, cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=proj, env=_env(proj), capture_output=True, text=True, timeout=600, **kw)


def build(root: Path) -> Path:
    """Create the workspace under `root/jvm` (replacing any previous copy), compile it and its jar, run the replay
    over the generated order files and the soak run, and return its path."""
    if JAVA is None or JAVAC is None or not JUNIT.exists() or not HAMCREST.exists():
        raise RuntimeError("scenario jvm: java, javac and Debian's junit4 (/usr/share/java/junit4.jar) are needed")
    proj = scenario_tools.fresh(root / "jvm")
    rnd = random.Random(2026)
    items = _catalog(rnd)
    _history(proj, _catalog_tsv(items))
    names = []
    for n, text in enumerate(_orders(rnd, items), start=1):
        names.append(f"data/orders/orders-{n:04d}.csv")
        scenario_tools.write(proj, {names[-1]: text})
    r = _run(proj, ["make", "jar"])
    if r.returncode:
        raise RuntimeError(r.stdout + r.stderr)
    (proj / "logs").mkdir()
    (proj / "reports").mkdir()
    r = _run(proj, ["java", "-cp", "build/classes", "depot.app.Main", "replay", "--catalog", "data/catalog.tsv",
                    "--log", "logs/depot.log", "--report", "reports/stock.json", "--generated-at", GENERATED_AT,
                    *names])
    if r.returncode != 1:  # failed events were logged: exit status 1
        raise RuntimeError(f"depot replay exited {r.returncode}: {r.stdout}{r.stderr}")
    r = _run(proj, ["sh", "tools/soak.sh"])
    if r.returncode != 1 or "java.lang.OutOfMemoryError" not in (proj / "logs" / "soak.out").read_text():
        raise RuntimeError(f"the soak run exited {r.returncode}: {(proj / 'logs' / 'soak.out').read_text()[-3000:]}")
    return proj


def _shell(proj: Path, cmd: str) -> str:
    return scenario_tools.shell(proj, cmd, _env(proj))


def needles(proj: Path) -> list[dict]:
    tests = _shell(proj, "make test 2>&1")
    failed = next(ln.strip() for ln in tests.splitlines() if "reserved units after the sweep expected:<" in ln)
    caused = next(ln.strip() for ln in tests.splitlines()
                  if ln.startswith("Caused by: depot.service.ReservationException: "))
    lint = _shell(proj, "javac -Xlint:all -d build/classes $(find src/main/java -name '*.java') 2>&1")
    fallthrough = re.search(r"src/main/java/depot/io/LegacyImport\.java:\d+: warning: \[fallthrough\]", lint).group(0)
    dump = _shell(proj, "sh tools/threaddump.sh")
    frame = re.search(r"at depot\.store\.TransferDesk\.move\(TransferDesk\.java:\d+\)", dump).group(0)
    jdeps = _shell(proj, "jdeps -verbose:class build/depot.jar")
    internal = re.search(r"JDK internal API \(jdk\.unsupported\)", jdeps).group(0)
    log = (proj / "logs" / "depot.log").read_text().splitlines()
    first = next(ln for ln in log if " SEVERE " in ln)
    first = first[first.index("orders-"):]
    expired = next(ln for ln in reversed(log[-150:]) if ln.startswith("Caused by: depot.service.ReservationException: ")
                   and ln.endswith("(its hold expired)"))
    abandoned = next(ln for ln in log if " SEVERE " in ln and ln.endswith(": file abandoned"))
    abandoned = abandoned[abandoned.index("orders-"):]
    unreadable = next(ln for ln in log if "unreadable line" in ln)
    unreadable = unreadable[unreadable.index("orders-"):]
    gc = _shell(proj, "tail -n 200 logs/gc.log")
    full = re.search(r"Pause Full \(G1 Compaction Pause\) \d+M->\d+M\(32M\)", gc).group(0)
    items = json.loads((proj / "reports" / "stock.json").read_text())["skus"]
    rec = next(i for i in items if i["description"] == ASKED)
    compact = json.dumps(rec, separators=(",", ":"), ensure_ascii=False)
    fields = compact[compact.index('"on_hand"'):]
    return [
        {"text": "+" + BUG_LINE, "why": "the bad commit's sweeper filter, without the status check (git show HEAD~1)"},
        {"text": "-" + GOOD_LINE, "why": "the check the bad commit removed (git show HEAD~1)"},
        {"text": failed, "why": "a failing test's assertion and its values (make test)"},
        {"text": caused, "why": "the failing replay test's cause (make test)"},
        {"text": first, "why": "the log's first SEVERE event: a SHIP that failed (grep SEVERE)"},
        {"text": expired, "why": "the repeated error the bug causes: its cause, near the log's end (tail)"},
        {"text": abandoned, "why": "the one abandoned order file (the log)"},
        {"text": unreadable, "why": "why it was abandoned: its unreadable line (the log)"},
        {"text": '"transfer-DUB-to-RTM"', "why": "a deadlocked thread (jstack)"},
        {"text": '"transfer-RTM-to-DUB"', "why": "the other deadlocked thread (jstack)"},
        {"text": frame, "why": "where in our code they are stuck (jstack)"},
        {"text": full, "why": "the soak run's heap: full collections that free nothing (the GC log)"},
        {"text": fallthrough, "why": "the compiler warning that is a real bug (javac -Xlint:all)"},
        {"text": internal, "why": "the JDK-internal API: sun.misc.Signal (jdeps)"},
        {"text": fields, "why": f"the {ASKED} record: stock, reservations, status (jq -c)"},
        {"text": f'"sku":"{rec["sku"]}"', "why": "that record's SKU (jq -c)"},
    ]


PROMPT = ("Investigate this Java service for the warehouse on-call handover: why do the unit tests fail, which commit "
          "broke reservations and what exactly did it change? What are the errors in logs/depot.log, and which order "
          "file was abandoned and why? The status server hangs when it runs the night's transfers "
          "(tools/threaddump.sh dumps its threads): which threads are stuck, and where in our code? What does the "
          "soak run's GC log say about the heap? What does the compiler warn about (anything that is a real bug?), "
          "and which JDK-internal API do we depend on? Also, from the stock report: for the half-inch hydraulic "
          "hose on ten-metre reels, how many are on hand and available, how many reservations were made and what "
          "is its status?")


def commands(py: str) -> list[str]:
    del py  # a Java project: the agent runs make, javac, java and the JDK's tools from /usr/bin
    return [
        "ls -la",
        "git log --stat -6",
        "javac -Xlint:all -d build/classes $(find src/main/java -name '*.java') 2>&1",
        "make test 2>&1",
        "git show HEAD~1",
        "grep -rn 'expiresAt' src",
        "grep -n SEVERE logs/depot.log | head -n 80",
        "grep -n -A 40 'file abandoned' logs/depot.log",
        "tail -n 150 logs/depot.log",
        "sh tools/threaddump.sh",
        "tail -n 200 logs/gc.log",
        "jdeps -verbose:class build/depot.jar",
        "cat src/main/java/depot/service/ReservationService.java",
        "jq 'del(.skus)' reports/stock.json",
        "jq -c '.skus[]' reports/stock.json",
        "jq '.skus[] | select(.description | test(\"hydraulic hose, 1/2\"; \"i\"))' reports/stock.json",
    ]


if __name__ == "__main__":
    p = build(Path(sys.argv[1]))
    print(p)
    print(json.dumps(needles(p), indent=1))
