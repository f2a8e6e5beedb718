"""An eighth workspace for captured sessions, held out from tuning: a small Go module ("ledgerd", our own code on
the standard library only: nothing downloaded, GOPROXY=off) that settles a card acquirer's batch files against a
list of 300 merchants: fees, refunds and acquirer holds per merchant on a rate-limited worker pool, a logfmt log
(the key=value form of log/slog's text handler, written through the standard log package) and a JSON settlement
report. Its git history has seven commits at fixed dates; the sixth ("fees in integer basis points, no floats in
money") drops the rounding from money.Fee (truncation: 19.99 at 2.50 % pays 0.49, not 0.50), so three TestFee
subtests and three TestSettlement subtests fail for real, and nearly every batch's fees disagree with the
acquirer's trailer, an ERROR logged over and over. The same commit renames Payment.Amount to Payment.Gross and the
fee rate's type, which breaks the replay bench behind the `bench` build tag (three real compile errors). The worker
pool counts finished jobs outside its mutex: `go test -race` reports a real DATA RACE at internal/queue/pool.go. The
code keeps four real `go vet` findings (copylocks, structtag, lostcancel, printf). The CLI dereferences a nil
payment when a batch refunds a payment it never saw (data/quarantine/batch-0413.csv): a real nil-pointer panic in
a worker, every goroutine's stack (the pool's, os/signal's, the limiter's) under GOTRACEBACK=all.

build() builds the binary for real and compiles the test binaries (plain and -race) into the Go build cache of
`root/home` (in a capture, the agent's own HOME: the commands the agents run then finish in seconds, as on a
developer's machine that has built before), then runs the CLI over 240 generated batch files (seeded), so
logs/ledgerd.log is a real log of some 800 events (trailer mismatches, skipped lines, refused refunds, one
unknown-merchant payment per few batches, one batch with no trailer, and one hold of a merchant's payouts) and
reports/settlement.json a real report. Needles are computed from the built workspace."""
from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import scenario_tools  # noqa: E402  (benchmarks/ is on the path: run as a script or imported by the capture)
from scenario_gosvc_src import (BENCH_GO, GO_MOD, LEDGER_GO, LEDGER_TEST_GO, LIMITER_GO,  # noqa: E402
                                LOGFMT_GO, MAIN_GO, MONEY_GO, MONEY_TEST_GO, PARSE_GO, PARSE_TEST_GO, POOL_GO,
                                POOL_TEST_GO, REPORT_GO)

GO = shutil.which("go")
TOOL_PATH: list[str] = []  # go (Debian's golang-go), git and jq are in /usr/bin
ASKED = "Harbourside Bicycle Repairs"
ASKED_CITY = "Leith"
ASKED_AT = 296  # near the end of the list: its record survives an agent's own head+tail cut of a long listing
HELD_AT = 217
HELD_REASON = "chargeback ratio 2.31% over the 1.00% limit (Visa VDMP)"
HELD_BATCH = 221
NO_TRAILER_BATCH = 57
BATCHES = 240
GENERATED_AT = "2026-12-01T06:00:00Z"
CRASH_INPUT = "data/quarantine/batch-0413.csv"
# the quarantined batch back in the nightly set: the other workers' goroutines are in the trace too
CRASH_CMD = f"GOTRACEBACK=all ./bin/ledgerd {CRASH_INPUT} data/batches/*.csv 2>&1"
BUG_LINE = "\treturn a * Amount(rate) / 10000"
RACE_LINE = "\t\tp.stats.Done++"
PANIC_LINE = "\tif p.Reversed {"
RATES = [125, 150, 175, 225, 250, 275, 325]  # basis points; every one an exact binary fraction as a percent

README = '''# ledgerd

Settles the acquirer's daily batch files against the merchant list: each merchant's payments, processing fees,
refunds and holds, a logfmt log of everything that went wrong, and the settlement report.

    go build -o bin/ledgerd ./cmd/ledgerd
    ./bin/ledgerd -report reports/settlement.json -log logs/ledgerd.log data/batches/*.csv
    go test ./...

Batch lines: `<time>,PAY,<payment>,<merchant>,<amount>,OK|DECLINED`, `<time>,REFUND,<payment>,<merchant>`,
`<time>,HOLD,<merchant>,<reason>`, and a last `TRAILER,<payments>,<gross>,<fees>` with the acquirer's own totals:
a batch whose totals differ is logged at ERROR. Fees are the merchant's rate (data/merchants.tsv, in percent) of
each settled payment, rounded half up to the cent; a refund does not return the fee.

Batches are settled concurrently (`-workers`, `-rate` batches a second at most); the log lists each batch's
events in input order. The replay bench is behind a build tag: `go build -tags bench -o bin/ledgerd-bench
./cmd/ledgerd && bin/ledgerd-bench -bench data/batches/*.csv`.
'''

README_NIGHTLY = README + '''
## Nightly settlement

The nightly job settles `data/batches/` (240 files) into `logs/ledgerd.log` and `reports/settlement.json`.
`data/quarantine/batch-0413.csv` crashed ledgerd (a panic) and was moved out of the nightly set until someone
looks at it.
'''

GITIGNORE = "/bin/\n/logs/\n/reports/\n/data/batches/\n/ledgerd\n"


def _sub(text: str, old: str, new: str, count: int = 1) -> str:
    assert text.count(old) == count, old
    return text.replace(old, new)


# -- the versions before the sixth commit (fees in float percent, rounded; Payment.Amount) ---------------------

MONEY_GO_V1 = _sub(_sub(_sub(_sub(_sub(
    MONEY_GO, "and fees in basis points.", "and fees."),
    '\t"fmt"\n\t"strconv"', '\t"fmt"\n\t"math"\n\t"strconv"'),
    "// BasisPoints is a rate in hundredths of a percent: 250 is 2.50 %.\ntype BasisPoints int64\n\n", ""),
    '// Percent formats a rate as "2.50%".\nfunc (r BasisPoints) Percent() string {\n'
    '\treturn fmt.Sprintf("%d.%02d%%", r/100, r%100)\n}\n\n', ""),
    "// Fee is the processing fee on a at rate, in integer math: no floats in money.\n"
    "func Fee(a Amount, rate BasisPoints) Amount {\n" + BUG_LINE + "\n}",
    "// Fee is the processing fee on a at percent (2.5 is 2.5 %), rounded half up to the cent.\n"
    "func Fee(a Amount, percent float64) Amount {\n\treturn Amount(math.Round(float64(a) * percent / 100))\n}")


def _percent_cases(text: str) -> str:
    def one(m: re.Match) -> str:
        bp = int(m.group(2))
        return f'{{"{m.group(1)}", {bp / 100:g}, "{m.group(3)}"}}'
    return re.sub(r'\{"([\d.]+)", (\d+), "([\d.]+)"\}', one, text)


MONEY_TEST_GO_V1 = _sub(_sub(_sub(_sub(
    _percent_cases(MONEY_TEST_GO[:MONEY_TEST_GO.index("func TestPercent")].rstrip("\n") + "\n"),
    "\t\tamount string\n\t\trate   BasisPoints\n\t\twant   string",
    "\t\tamount  string\n\t\tpercent float64\n\t\twant    string"),
    'fmt.Sprintf("%s_at_%dbp", tt.amount, tt.rate)', 'fmt.Sprintf("%s_at_%.2f%%", tt.amount, tt.percent)'),
    "Fee(a, tt.rate)", "Fee(a, tt.percent)"),
    't.Errorf("Fee(%s, %d bp) = %s, want %s", tt.amount, tt.rate, got, tt.want)',
    't.Errorf("Fee(%s, %.2f%%) = %s, want %s", tt.amount, tt.percent, got, tt.want)')

LEDGER_GO_V1 = _sub(_sub(_sub(_sub(
    LEDGER_GO, "\tRate money.BasisPoints // the processing fee",
    "\tRate float64 // percent: the processing fee"),
    "\tGross    money.Amount\n\tFee      money", "\tAmount   money.Amount\n\tFee      money"),
    "money.Fee(p.Gross, acct.Merchant.Rate)", "money.Fee(p.Amount, acct.Merchant.Rate)"),
    "acct.Gross += p.Gross", "acct.Gross += p.Amount")
LEDGER_GO_V1 = _sub(LEDGER_GO_V1, "\tacct.Refunded += p.Gross\n\treturn p.Gross, nil",
                    "\tacct.Refunded += p.Amount\n\treturn p.Amount, nil")

LEDGER_TEST_GO_V1 = _sub(_sub(_sub(_sub(
    LEDGER_TEST_GO, "Rate: 250}", "Rate: 2.5}"), "Rate: 175}", "Rate: 1.75}"),
    "Gross: g}", "Amount: g}"), "Gross: 5000,", "Amount: 5000,")
LEDGER_TEST_GO_V1 = _sub(LEDGER_TEST_GO_V1, "Gross: 100}", "Amount: 100}", count=3)

MAIN_GO_V1 = _sub(_sub(_sub(_sub(
    MAIN_GO, '\t"sort"\n\t"strings"', '\t"sort"\n\t"strconv"\n\t"strings"'),
    "Gross: rec.Amount,", "Amount: rec.Amount,"),
    "gross += p.Gross", "gross += p.Amount"),
    '\t\trate, err := money.Parse(f[3]) // "2.50" percent is 250 basis points\n',
    "\t\trate, err := strconv.ParseFloat(f[3], 64)\n")
MAIN_GO_V1 = _sub(MAIN_GO_V1, "Rate: money.BasisPoints(rate)}", "Rate: rate}")

REPORT_GO_V1 = _sub(_sub(
    REPORT_GO, '\t"encoding/json"\n\t"os"', '\t"encoding/json"\n\t"fmt"\n\t"os"'),
    "FeeRate: a.Merchant.Rate.Percent(),", 'FeeRate: fmt.Sprintf("%.2f%%", a.Merchant.Rate),')


def _commit(proj: Path, date: str, msg: str, files: dict[str, str]) -> None:
    scenario_tools.write(proj, files)
    scenario_tools.git(proj, date, "add", ".")
    scenario_tools.git(proj, date, "commit", "-qm", msg)


def _history(proj: Path, merchants: str, crash: str) -> None:
    scenario_tools.git(proj, "2026-11-17T09:20:00Z", "init", "-q", "-b", "main")
    _commit(proj, "2026-11-17T09:20:00Z", "ledgerd: money in cents (parse, format, fees), with table tests", {
        ".gitignore": GITIGNORE, "go.mod": GO_MOD, "README.md": README, "internal/money/money.go": MONEY_GO_V1,
        "internal/money/money_test.go": MONEY_TEST_GO_V1})
    _commit(proj, "2026-11-19T14:05:00Z", "ledger: merchant accounts, payments, refunds and acquirer holds", {
        "internal/ledger/ledger.go": LEDGER_GO_V1, "internal/ledger/ledger_test.go": LEDGER_TEST_GO_V1})
    _commit(proj, "2026-11-21T11:30:00Z", "queue: a rate-limited worker pool (token bucket) for settlement batches", {
        "internal/queue/limiter.go": LIMITER_GO, "internal/queue/pool.go": POOL_GO,
        "internal/queue/pool_test.go": POOL_TEST_GO})
    _commit(proj, "2026-11-24T16:10:00Z",
            "cmd/ledgerd: settle acquirer batch files on the pool, logfmt log, JSON settlement report", {
                "internal/batch/parse.go": PARSE_GO, "internal/batch/parse_test.go": PARSE_TEST_GO,
                "internal/logfmt/logfmt.go": LOGFMT_GO, "internal/report/report.go": REPORT_GO_V1,
                "cmd/ledgerd/main.go": MAIN_GO_V1, "data/merchants.tsv": merchants})
    _commit(proj, "2026-11-26T10:45:00Z", "cmd/ledgerd: a replay bench behind the bench build tag", {
        "cmd/ledgerd/bench.go": BENCH_GO})
    _commit(proj, "2026-11-28T17:05:00Z",
            "money: fees in integer basis points, no floats in money; Payment.Amount is now Payment.Gross", {
                "internal/money/money.go": MONEY_GO, "internal/money/money_test.go": MONEY_TEST_GO,
                "internal/ledger/ledger.go": LEDGER_GO, "internal/ledger/ledger_test.go": LEDGER_TEST_GO,
                "internal/report/report.go": REPORT_GO, "cmd/ledgerd/main.go": MAIN_GO})
    _commit(proj, "2026-12-01T08:40:00Z", "README: the nightly settlement; batch-0413 quarantined after it crashed", {
        "README.md": README_NIGHTLY, CRASH_INPUT: crash})


# -- generated data ---------------------------------------------------------------------------------------

_PLACES = ["Harbourside", "Old Town", "Northgate", "Riverside", "Market Street", "Castle", "Station Road", "Kings",
           "Abbey", "Park Lane", "Canal", "Hillside", "Westend", "Quayside", "Mill Lane", "Granary", "Bridge End",
           "Cathedral", "Victoria", "Links"]
_TRADES = ["Bakery", "Pharmacy", "Florist", "Bookshop", "Hardware", "Deli", "Wine Bar", "Barbers", "Launderette",
           "Tailors", "Opticians", "Pet Supplies", "Stationers", "Fishmonger", "Greengrocer", "Toy Shop",
           "Record Shop", "Tea Room", "Ironmongers", "Cheese Shop", "Noodle Bar", "Framing", "Shoe Repairs"]
_CITIES = ["Leith", "Glasgow", "Dundee", "York", "Leeds", "Bristol", "Bath", "Norwich", "Cardiff", "Belfast", "Hull",
           "Derby", "Exeter", "Aberdeen", "Perth", "Inverness"]
_DECOYS = {41: ("Canal Bicycle Repairs", "Bristol"), 133: ("Harbourside Bicycle Hire", "Dundee"),
           250: ("Kings Bicycle Workshop", "Leith")}


def _merchants(rnd: random.Random) -> list[dict]:
    names = [f"{p} {t}" for p in _PLACES for t in _TRADES]
    rnd.shuffle(names)
    out = []
    for i in range(300):
        name, city = _DECOYS.get(i, (names[i], rnd.choice(_CITIES)))
        if i == ASKED_AT:
            name, city = ASKED, ASKED_CITY
        out.append({"id": f"M-{i + 1:04d}", "name": name, "city": city, "rate": rnd.choice(RATES)})
    return out


def _merchants_tsv(ms: list[dict]) -> str:
    return "id\tname\tcity\tfee_percent\n" + "".join(
        f"{m['id']}\t{m['name']}\t{m['city']}\t{m['rate'] // 100}.{m['rate'] % 100:02d}\n" for m in ms)


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _fee(cents: int, bp: int) -> int:
    return (cents * bp + 5000) // 10000  # half up: what the acquirer charges


def _amount(rnd: random.Random) -> int:
    r = rnd.random()
    if r < 0.35:
        return rnd.randint(120, 1500)
    if r < 0.8:
        return rnd.randint(1500, 9000)
    return rnd.randint(9000, 48000)


def _ts(secs: int) -> str:
    return f"2026-11-30T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}Z"


def _batches(rnd: random.Random, ms: list[dict]) -> list[str]:
    out = []
    pid = 7300000
    for b in range(1, BATCHES + 1):
        active = rnd.sample(ms, 12) + ([ms[ASKED_AT]] if b % 3 == 0 else [])
        secs = 7 * 3600 + b * 150
        lines = [f"# acquirer NWB settlement file, terminal group TG-{1 + b % 9:02d}, 2026-11-30"]
        paid: list[tuple[str, str]] = []  # settled (payment, merchant)
        declined: list[tuple[str, str]] = []
        refunded: set[str] = set()
        count = gross = fees = 0
        hold = b == HELD_BATCH
        for _ in range(rnd.randint(18, 34)):
            secs += rnd.randint(1, 9)
            ts = _ts(secs)
            r = rnd.random()
            if hold and len(paid) == 9:
                lines.append(f"{ts},HOLD,{ms[HELD_AT]['id']},{HELD_REASON}")
                hold = False
            if r < 0.03 and paid:
                q = rnd.random()
                if q < 0.12 and declined:
                    p, m = rnd.choice(declined)  # refused: it was declined
                elif q < 0.2 and refunded:
                    p, m = next((p, m) for p, m in paid if p in refunded)  # refused: a second refund
                else:
                    p, m = rnd.choice(paid)
                    refunded.add(p)
                lines.append(f"{ts},REFUND,{p},{m}")
                continue
            pid += 1
            m = rnd.choice(active)
            cents = _amount(rnd)
            pay = f"P-{pid}"
            if r < 0.042:
                bad = rnd.choice(["decimals", "comma", "local", "status"])
                amt = {"decimals": _money(cents) + "5", "comma": _money(cents).replace(".", ",")}.get(bad,
                                                                                                      _money(cents))
                when = f"30/11/2026 {secs // 3600:02d}:{secs // 60 % 60:02d}" if bad == "local" else ts
                lines.append(f"{when},PAY,{pay},{m['id']},{amt},{'PENDING' if bad == 'status' else 'OK'}")
                continue
            if r < 0.046:
                lines.append(f"{ts},PAY,{pay},M-{rnd.choice([317, 322, 404, 451]):04d},{_money(cents)},OK")
                continue
            status = "DECLINED" if rnd.random() < 0.07 else "OK"
            lines.append(f"{ts},PAY,{pay},{m['id']},{_money(cents)},{status}")
            if status == "DECLINED":
                declined.append((pay, m["id"]))
                continue
            paid.append((pay, m["id"]))
            count, gross, fees = count + 1, gross + cents, fees + _fee(cents, m["rate"])
            if r > 0.995:  # the gateway sent it twice: skipped as a duplicate, settled once
                lines.append(lines[-1])
        if b != NO_TRAILER_BATCH:
            lines.append(f"TRAILER,{count},{_money(gross)},{_money(fees)}")
        else:
            lines = lines[:-4]  # the transfer was cut off: no trailer
        out.append("\n".join(lines) + "\n")
    return out


def _crash_batch(ms: list[dict]) -> str:
    a, b = ms[12], ms[88]
    lines = ["# acquirer NWB settlement file, terminal group TG-04, 2026-11-29",
             f"2026-11-29T18:02:11Z,PAY,P-7291870,{a['id']},24.90,OK",
             f"2026-11-29T18:02:15Z,PAY,P-7291871,{b['id']},112.00,OK",
             f"2026-11-29T18:02:31Z,PAY,P-7291872,{a['id']},8.45,DECLINED",
             f"2026-11-29T18:03:02Z,REFUND,P-7291455,{b['id']}",  # a payment from the day before: not in this file
             f"2026-11-29T18:03:40Z,PAY,P-7291873,{b['id']},36.50,OK",
             "TRAILER,3,173.40,{}".format(_money(_fee(2490, a["rate"]) + _fee(11200, b["rate"])
                                                + _fee(3650, b["rate"])))]
    return "\n".join(lines) + "\n"


def _env(root: Path) -> dict:
    return {"PATH": "/usr/bin:/bin", "HOME": str(root / "home"), "LC_ALL": "C.UTF-8", "GOFLAGS": "-mod=mod",
            "GOPROXY": "off", "GOTOOLCHAIN": "local"}


def _run(proj: Path, cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=proj, env=_env(proj.parent), capture_output=True, text=True, timeout=600, **kw)


def build(root: Path) -> Path:
    """Create the workspace under `root/gosvc` (replacing any previous copy), build the binary and the test
    binaries (the build cache in `root/home`), run the CLI over the generated batches and return its path."""
    if GO is None:
        raise RuntimeError("scenario gosvc: go is needed (apt-get install golang-go)")
    proj = scenario_tools.fresh(root / "gosvc")
    (root / "home").mkdir(exist_ok=True)
    rnd = random.Random(2026)
    ms = _merchants(rnd)
    _history(proj, _merchants_tsv(ms), _crash_batch(ms))
    names = []
    for n, text in enumerate(_batches(rnd, ms), start=1):
        names.append(f"data/batches/batch-{n:04d}.csv")
        scenario_tools.write(proj, {names[-1]: text})
    r = _run(proj, ["go", "build", "-o", "bin/ledgerd", "./cmd/ledgerd"])
    if r.returncode:
        raise RuntimeError(r.stdout + r.stderr)
    for race in ([], ["-race"]):  # compile the test binaries (no test runs, no cached results)
        r = _run(proj, ["go", "test", *race, "-count=1", "-run", "^$", "./..."])
        if r.returncode:
            raise RuntimeError(r.stdout + r.stderr)
    (proj / "logs").mkdir()
    (proj / "reports").mkdir()
    r = _run(proj, ["./bin/ledgerd", "-report", "reports/settlement.json", "-log", "logs/ledgerd.log",
                    "-generated-at", GENERATED_AT, *names])
    if r.returncode != 1:  # errors were logged: exit status 1
        raise RuntimeError(f"ledgerd exited {r.returncode}: {r.stderr}")
    return proj


def _shell(proj: Path, cmd: str) -> str:
    return scenario_tools.shell(proj, cmd, _env(proj.parent))


def _line_of(text: str, line: str) -> int:
    assert text.count(line + "\n") == 1, line
    return text[:text.index(line + "\n")].count("\n") + 1


def needles(proj: Path) -> list[dict]:
    tests = _shell(proj, "go test -count=1 -v ./... 2>&1")
    fee = re.search(r"Fee\(19\.99, 250 bp\) = \S+, want \S+", tests).group(0)
    net = re.search(r"net payout = \S+, want \S+", tests).group(0)
    race_at = f"internal/queue/pool.go:{_line_of(POOL_GO, RACE_LINE)}"
    race = _shell(proj, "go test -count=1 -race ./internal/queue/ 2>&1")
    assert "WARNING: DATA RACE" in race and race_at in race, race
    panic_at = f"internal/ledger/ledger.go:{_line_of(LEDGER_GO, PANIC_LINE)}"
    crash = _shell(proj, CRASH_CMD)
    assert panic_at in crash and "ledgerd/internal/ledger.(*Ledger).Refund(" in crash, crash
    vet = _shell(proj, "go vet ./... 2>&1")
    copylock = next(ln for ln in vet.splitlines() if "passes lock by value" in ln)
    bench = _shell(proj, "go build -tags bench ./cmd/ledgerd 2>&1")
    unknown = re.search(r"unknown field '?Amount'? in struct literal of type ledger\.Payment", bench).group(0)
    log = (proj / "logs" / "ledgerd.log").read_text().splitlines()
    mismatch = next(ln for ln in log if "do not match the acquirer trailer" in ln)
    held = next(ln for ln in log if "payouts held by the acquirer" in ln)
    merchants = json.loads((proj / "reports" / "settlement.json").read_text())["merchants"]
    rec = next(m for m in merchants if m["name"] == ASKED)
    compact = json.dumps(rec, separators=(",", ":"), ensure_ascii=False)
    fields = compact[compact.index('"payments"'):compact.index(',"status"')]
    return [
        {"text": "+" + BUG_LINE, "why": "the bad commit's Fee, truncating (git show HEAD~1)"},
        {"text": fee, "why": "a failing table-driven subtest's got/want (go test -v)"},
        {"text": net, "why": "the failing settlement subtest's got/want (go test -v)"},
        {"text": "WARNING: DATA RACE", "why": "the race detector's report (go test -race)"},
        {"text": race_at, "why": "the racy increment the report points at, outside the pool's mutex"},
        {"text": "panic: runtime error: invalid memory address or nil pointer dereference",
         "why": "the quarantined batch's panic (GOTRACEBACK=all)"},
        {"text": "ledgerd/internal/ledger.(*Ledger).Refund(", "why": "the project frame that panicked"},
        {"text": panic_at, "why": "where in our code it panicked: the nil payment's field"},
        {"text": copylock[copylock.index("Workers passes"):], "why": "a go vet finding (copylocks)"},
        {"text": "the cancel function returned by context.WithTimeout should be called",
         "why": "a go vet finding (lostcancel)"},
        {"text": unknown, "why": "why the replay bench no longer builds (go build -tags bench)"},
        {"text": mismatch[mismatch.index("msg="):], "why": "the repeated error the fee bug causes (the log's ERRORs)"},
        {"text": held[held.index("merchant="):], "why": "the one hold of a merchant's payouts, and why (the log)"},
        {"text": fields, "why": f"the {ASKED} record: payments, gross, fees, refunds, net payout (jq -c)"},
        {"text": f'"id":"{rec["id"]}"', "why": "that record's merchant id (jq -c)"},
    ]


PROMPT = ("Investigate this Go service for the payments handover: why does `go test` fail, which commit broke the "
          "fees and what exactly did it change, what does the race detector report and where in our code, what "
          "does go vet find, why does the replay bench no longer build, and why does ledgerd crash on "
          "data/quarantine/batch-0413.csv (the panic and the frame in our code)? What are the errors in "
          "logs/ledgerd.log, and whose payouts were held and why? Also, from the settlement report: for the "
          "bicycle repair shop in Leith, how many payments were settled, what were the gross, fees and net "
          "payout, and what is its status?")


def commands(py: str) -> list[str]:
    del py  # a Go project: the agent runs go from /usr/bin
    return [
        "ls -la",
        "git log --stat -7",
        "go vet ./... 2>&1",
        "go test -v ./... 2>&1",
        "git show HEAD~1",
        "grep -rn 'Fee(' --include='*.go' .",
        "go test -race ./... 2>&1",
        CRASH_CMD,
        "go build -tags bench ./cmd/ledgerd 2>&1",
        "grep -n 'level=ERROR' logs/ledgerd.log | head -n 80",
        "tail -n 200 logs/ledgerd.log",
        "cat internal/ledger/ledger.go",
        "jq 'del(.merchants)' reports/settlement.json",
        "jq -c '.merchants[]' reports/settlement.json",
        "jq '.merchants[] | select(.name | test(\"bicycle\"; \"i\"))' reports/settlement.json",
        "go list -deps ./cmd/ledgerd",
    ]


if __name__ == "__main__":
    p = build(Path(sys.argv[1]))
    print(p)
    print(json.dumps(needles(p), indent=1))
