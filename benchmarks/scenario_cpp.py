"""A seventh workspace for captured sessions, new work the engine was never tuned on: a small C++17 project
("tickbook", our own code on the standard library only: nothing downloaded) that replays exchange session files
(orders and cancels) over a listing of 300 instruments, keeps a price-time priority order book per symbol, logs what
went wrong and writes a JSON report. It has its own tiny test runner (tests/harness.hpp), one ctest test per case.
Its git history has seven commits at fixed dates; the sixth ("fills report the maker's remaining quantity") both
moves the fill after the resting order's erase (a heap-use-after-free when the level's last order fills, and the
next order's id on the fill when it was not the last) and decides crossing with the map's own strict ordering (a
buy at exactly the ask rests: a locked book). Three of 38 tests fail for real; the ASan build's test binary
stops on a real heap-use-after-free report. The code keeps four real compiler warnings (-Wreorder, -Wsign-compare in
a template, twice, -Wunused-parameter, -Wunused-variable); an opt-in target (tools/replay_bench.cpp) does not
compile (std::sort over a std::map). The CLI leaks its books (valgrind: definitely lost), and it dereferences a null
book on a cancel for an unlisted symbol (data/quarantine/session-0413.ord: SIGSEGV, a gdb backtrace).

build() configures and builds for real (build/ in Debug, build-asan/ with -fsanitize=address,undefined), then runs
the CLI over 300 generated session files (seeded), so logs/tickbook.log is a real log (timestamps from the session
data; locked-book ERRORs over and over, unreadable lines, price-band and unknown-symbol WARNs) and
reports/book.json a real report of 300 instruments. Needles are computed from the built workspace."""
from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import scenario_tools  # noqa: E402  (benchmarks/ is on the path: run as a script or imported by the capture)
from scenario_cpp_src import (BENCH_CPP, BOOK_CPP, BOOK_HPP, EXCHANGE_CPP, EXCHANGE_HPP, HARNESS_HPP, LOG_CPP,  # noqa: E402
                              LOG_HPP, MAIN_CPP, ORDER_CPP, ORDER_HPP, PRICE_CPP, PRICE_HPP, REPORT_CPP, REPORT_HPP,
                              TEST_BOOK_CPP, TEST_EXCHANGE_CPP, TEST_MAIN_CPP, TEST_ORDER_CPP, TEST_PRICE_CPP,
                              TEST_REPORT_CPP)

ASKED = "Rapeseed oil, Rotterdam FOB, June 2027"
ASKED_AT = 296  # near the end of the listing: its record survives an agent's own head+tail cut of a long listing
BUG_LINE = "        fills.push_back(Fill{taker.id, resting.id, px, qty, resting.remaining});"
CROSS_LINE = "        if (!opp.key_comp()(it->first, taker.price)) break;  // trade while the level is better than the limit"
GENERATED_AT = "2026-12-01T18:00:00Z"
SESSIONS = 300
VALGRIND_INPUT = "data/sessions/session-0007.ord"
CRASH_INPUT = "data/quarantine/session-0413.ord"
CMAKE = shutil.which("cmake")
GXX = shutil.which("g++")
TOOL_PATH: list[str] = []  # cmake, g++, valgrind, gdb and jq are in /usr/bin

README = '''# tickbook

Replays the exchange gateways' session files over the instrument listing, one price-time priority order book per
symbol, and writes the end-of-day report.

    cmake -S . -B build && cmake --build build
    ./build/tickbook --report reports/book.json --log logs/tickbook.log data/sessions/*.ord
    ctest --test-dir build --output-on-failure

Session lines: `<timestamp>,NEW,<id>,<symbol>,BUY|SELL,<qty>,<price>,<trader>` and
`<timestamp>,CANCEL,<id>,<symbol>`. Orders more than 10 % away from the listing's reference price are rejected.
A book that ends up with bid >= ask is logged at ERROR after every order that leaves it so.

Sanitizer build: `cmake -S . -B build-asan -DTICKBOOK_SANITIZE=ON && cmake --build build-asan`.
The throughput bench is an opt-in target: `cmake --build build --target replay_bench`.
'''

README_NIGHTLY = README + '''
## Nightly replay

The nightly job replays `data/sessions/` (300 files) into `logs/tickbook.log` and `reports/book.json`.
`data/quarantine/session-0413.ord` crashed the replay (segmentation fault) and was moved out of the nightly set
until someone looks at it.
'''

GITIGNORE = "/build/\n/build-asan/\n/logs/\n/reports/\n/data/sessions/\n"

LIB_SRC = ["src/price.cpp", "src/order.cpp", "src/book.cpp", "src/exchange.cpp", "src/log.cpp", "src/report.cpp"]


def _cmake(lib: list[str], tests: dict[str, str], *, cli: bool, sanitize: bool, bench: bool) -> str:
    names = [f"{s}.{n}" for text in tests.values() for s, n in re.findall(r"^TEST\((\w+), (\w+)\)", text, re.M)]
    out = ["cmake_minimum_required(VERSION 3.20)", "project(tickbook VERSION 0.6.0 LANGUAGES CXX)", "",
           "set(CMAKE_CXX_STANDARD 17)", "set(CMAKE_CXX_STANDARD_REQUIRED ON)", "set(CMAKE_CXX_EXTENSIONS OFF)",
           "if(NOT CMAKE_BUILD_TYPE)", '  set(CMAKE_BUILD_TYPE Debug CACHE STRING "Build type" FORCE)', "endif()",
           "add_compile_options(-Wall -Wextra)", ""]
    if sanitize:
        out += ['option(TICKBOOK_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)',
                "if(TICKBOOK_SANITIZE)", "  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)",
                "  add_link_options(-fsanitize=address,undefined)", "endif()", ""]
    out += ["add_library(tickbook_core STATIC", *[f"  {s}" for s in lib], ")",
            "target_include_directories(tickbook_core PUBLIC src)", ""]
    if cli:
        out += ["add_executable(tickbook src/main.cpp)", "target_link_libraries(tickbook PRIVATE tickbook_core)", ""]
    out += ["add_executable(tickbook_tests", *[f"  {t}" for t in tests], ")",
            "target_include_directories(tickbook_tests PRIVATE tests)",
            "target_link_libraries(tickbook_tests PRIVATE tickbook_core)", "", "enable_testing()",
            "foreach(t IN ITEMS", *[f"    {n}" for n in names], ")",
            "  add_test(NAME ${t} COMMAND tickbook_tests ${t})", "endforeach()"]
    if bench:
        out += ["", "# opt-in: cmake --build build --target replay_bench",
                "add_executable(replay_bench EXCLUDE_FROM_ALL tools/replay_bench.cpp)",
                "target_link_libraries(replay_bench PRIVATE tickbook_core)"]
    return "\n".join(out) + "\n"


def _sub(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


BOOK_HPP_V1 = _sub(BOOK_HPP, "    Qty maker_left = 0;  // what the resting order still shows after this fill\n", "")
BOOK_CPP_V1 = _sub(_sub(_sub(BOOK_CPP, CROSS_LINE, "        if (!crosses(taker, it->first)) break;"),
                        "namespace {\n\n", "namespace {\n\nbool crosses(const Order& taker, Price level) {\n"
                        "    return taker.side == Side::Buy ? taker.price >= level : taker.price <= level;\n}\n\n"),
                   '''        if (resting.remaining == 0) {
            index.erase(resting.id);
            if (level.orders.size() == 1) {
                opp.erase(it);  // the level's last order: drop the level
            } else {
                level.orders.erase(level.orders.begin());
            }
        }
        fills.push_back(Fill{taker.id, resting.id, px, qty, resting.remaining});
''', '''        fills.push_back(Fill{taker.id, resting.id, px, qty});
        if (resting.remaining == 0) {
            index.erase(resting.id);
            level.orders.erase(level.orders.begin());
            if (level.orders.empty()) opp.erase(it);
        }
''')
_MAKER_LEFT_TEST = TEST_BOOK_CPP[TEST_BOOK_CPP.index("TEST(book, a_fill_shows_what_the_maker_has_left)"):
                                 TEST_BOOK_CPP.index("TEST(book, partial_fill_rests_the_rest)")]
TEST_BOOK_CPP_V1 = _sub(TEST_BOOK_CPP, _MAKER_LEFT_TEST, "")


def _commit(proj: Path, date: str, msg: str, files: dict[str, str]) -> None:
    scenario_tools.write(proj, files)
    scenario_tools.git(proj, date, "add", ".")
    scenario_tools.git(proj, date, "commit", "-qm", msg)


def _history(proj: Path, symbols: str, crash: str) -> None:
    scenario_tools.git(proj, "2026-11-16T09:05:00Z", "init", "-q", "-b", "main")
    t1 = {"tests/main.cpp": TEST_MAIN_CPP, "tests/test_price.cpp": TEST_PRICE_CPP,
          "tests/test_order.cpp": TEST_ORDER_CPP}
    _commit(proj, "2026-11-16T09:05:00Z", "tickbook: prices in ticks, session-line parsing, a tiny test runner", {
        ".gitignore": GITIGNORE, "README.md": README, "src/price.hpp": PRICE_HPP, "src/price.cpp": PRICE_CPP,
        "src/order.hpp": ORDER_HPP, "src/order.cpp": ORDER_CPP, "tests/harness.hpp": HARNESS_HPP, **t1,
        "CMakeLists.txt": _cmake(LIB_SRC[:2], t1, cli=False, sanitize=False, bench=False)})
    t2 = {**t1, "tests/test_book.cpp": TEST_BOOK_CPP_V1}
    _commit(proj, "2026-11-18T15:40:00Z", "book: price-time priority order book, partial fills, cancels by id", {
        "src/book.hpp": BOOK_HPP_V1, "src/book.cpp": BOOK_CPP_V1, "tests/test_book.cpp": TEST_BOOK_CPP_V1,
        "CMakeLists.txt": _cmake(LIB_SRC[:3], t2, cli=False, sanitize=False, bench=False)})
    t3 = {**t2, "tests/test_exchange.cpp": TEST_EXCHANGE_CPP, "tests/test_report.cpp": TEST_REPORT_CPP}
    _commit(proj, "2026-11-20T11:12:00Z",
            "exchange and CLI: replay session files over the listing, price band, log, JSON report", {
                "src/exchange.hpp": EXCHANGE_HPP, "src/exchange.cpp": EXCHANGE_CPP, "src/log.hpp": LOG_HPP,
                "src/log.cpp": LOG_CPP, "src/report.hpp": REPORT_HPP, "src/report.cpp": REPORT_CPP,
                "src/main.cpp": MAIN_CPP, "tests/test_exchange.cpp": TEST_EXCHANGE_CPP,
                "tests/test_report.cpp": TEST_REPORT_CPP, "data/symbols.tsv": symbols,
                "CMakeLists.txt": _cmake(LIB_SRC, t3, cli=True, sanitize=False, bench=False)})
    _commit(proj, "2026-11-24T17:30:00Z", "tools: replay_bench, an opt-in throughput bench", {
        "tools/replay_bench.cpp": BENCH_CPP,
        "CMakeLists.txt": _cmake(LIB_SRC, t3, cli=True, sanitize=False, bench=True)})
    _commit(proj, "2026-11-26T10:02:00Z", "cmake: TICKBOOK_SANITIZE=ON builds with ASan and UBSan", {
        "CMakeLists.txt": _cmake(LIB_SRC, t3, cli=True, sanitize=True, bench=True)})
    _commit(proj, "2026-11-28T16:47:00Z",
            "book: fills report the maker's remaining quantity; a level goes as soon as its last order fills; "
            "crossing from the map's own ordering", {
                "src/book.hpp": BOOK_HPP, "src/book.cpp": BOOK_CPP, "tests/test_book.cpp": TEST_BOOK_CPP})
    _commit(proj, "2026-12-01T08:20:00Z", "README: the nightly replay; session-0413 quarantined after it crashed", {
        "README.md": README_NIGHTLY, CRASH_INPUT: crash})


# -- generated data ---------------------------------------------------------------------------------------

_GOODS = [("CU", "Copper, LME grade A", 8900), ("AL", "Aluminium, high grade", 2400), ("ZN", "Zinc, SHG", 2700),
          ("NI", "Nickel, full plate", 16500), ("PB", "Lead, standard", 2100), ("SN", "Tin, 99.85", 25100),
          ("WH", "Milling wheat, Euronext", 230), ("CO", "Corn, Euronext", 205), ("RS", "Rapeseed, Euronext", 470),
          ("BR", "Brent crude", 74), ("GO", "Gasoil, ICE", 690), ("NG", "Natural gas, TTF", 38),
          ("CC", "Cocoa, London", 5200), ("KC", "Arabica coffee", 410), ("SB", "White sugar No. 5", 540),
          ("OJ", "Orange juice, FCOJ", 480), ("AU", "Gold, loco London", 2650), ("AG", "Silver, loco London", 31),
          ("PT", "Platinum", 960), ("PD", "Palladium", 1010)]
_MONTHS = [("F", "January"), ("H", "March"), ("K", "May"), ("M", "June"), ("U", "September"), ("Z", "December")]


def _money(ticks: int) -> str:
    return f"{ticks // 100}.{ticks % 100:02d}"


def _listing(rnd: random.Random) -> list[dict]:
    items = []
    for code, desc, price in _GOODS:
        for year in (27, 28, 29):
            for mcode, month in _MONTHS:
                if len(items) < 300:
                    ref = max(500, int(price * 100 * rnd.uniform(0.9, 1.1)))
                    items.append({"symbol": f"{code}{mcode}-{year}", "description": f"{desc}, {month} 20{year}",
                                  "ref": ref})
    items = items[:299]
    items.insert(ASKED_AT, {"symbol": "RSO-M27", "description": ASKED, "ref": 108350})
    return items


def _symbols_tsv(items: list[dict]) -> str:
    return "symbol\tdescription\treference\n" + "".join(
        f"{i['symbol']}\t{i['description']}\t{_money(i['ref'])}\n" for i in items)


def _sessions(rnd: random.Random, items: list[dict]) -> list[str]:
    out = []
    oid = 4100000
    for s in range(1, SESSIONS + 1):
        active = rnd.sample(items, 9) + ([items[ASKED_AT]] if s % 4 == 0 else [])
        secs = 9 * 3600 + rnd.randint(0, 1800)
        lines = [f"# session {s:04d}, gateway GW-{1 + s % 3}, 2026-12-01"]
        mine: list[tuple[int, str]] = []
        for _ in range(rnd.randint(40, 70)):
            secs += rnd.randint(1, 40)
            ms = rnd.randint(0, 999)
            ts = f"2026-12-01T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}.{ms:03d}Z"
            inst = rnd.choice(active)
            step = max(1, inst["ref"] // 400)
            r = rnd.random()
            if r < 0.11 and mine:
                cid, sym = rnd.choice(mine) if rnd.random() < 0.85 else (oid + 5000 + rnd.randint(1, 999), inst["symbol"])
                lines.append(f"{ts},CANCEL,{cid},{sym}")
                continue
            oid += 1
            side = rnd.choice(["BUY", "SELL"])
            qty = rnd.choice([1, 2, 5, 5, 10, 10, 20, 25, 50, 100])
            k = rnd.randint(-6, 1) if side == "BUY" else rnd.randint(-1, 6)
            px = inst["ref"] + k * step
            sym = inst["symbol"]
            trader = f"T{rnd.randint(100, 999):04d}"
            if r < 0.13:
                px = inst["ref"] + (12 + rnd.randint(0, 8)) * inst["ref"] // 100 * (1 if side == "SELL" else -1)
            elif r < 0.14:
                sym = rnd.choice(["NGX-F27", "CUX-H27", "LTH-Z27"])
            elif r < 0.155:
                bad = rnd.choice(["price", "price", "qty", "side", "ts"])
                if bad == "price":
                    lines.append(f"{ts},NEW,{oid},{sym},{side},{qty},{_money(px)}.5,{trader}")
                elif bad == "qty":
                    lines.append(f"{ts},NEW,{oid},{sym},{side},{qty}x,{_money(px)},{trader}")
                elif bad == "side":
                    lines.append(f"{ts},NEW,{oid},{sym},B,{qty},{_money(px)},{trader}")
                else:
                    lines.append(f"01/12/2026 {secs // 3600:02d}:{secs // 60 % 60:02d},NEW,{oid},{sym},{side},"
                                 f"{qty},{_money(px)},{trader}")
                continue
            lines.append(f"{ts},NEW,{oid},{sym},{side},{qty},{_money(px)},{trader}")
            if sym == inst["symbol"]:  # a cancel for an unlisted symbol is what crashes the replay (quarantine)
                mine.append((oid, sym))
        out.append("\n".join(lines) + "\n")
    return out


def _crash_session(items: list[dict]) -> str:
    a, b = items[3], items[40]
    return "\n".join([
        "# session 0413, gateway GW-2, 2026-11-30",
        f"2026-11-30T09:31:02.118Z,NEW,3990001,{a['symbol']},BUY,10,{_money(a['ref'] - 5)},T0317",
        f"2026-11-30T09:31:05.502Z,NEW,3990002,{a['symbol']},SELL,10,{_money(a['ref'] + 5)},T0288",
        f"2026-11-30T09:31:09.007Z,NEW,3990003,{b['symbol']},BUY,25,{_money(b['ref'])},T0317",
        "2026-11-30T09:31:12.640Z,NEW,3990004,NGX-F27,SELL,5,38.20,T0451",
        f"2026-11-30T09:31:20.001Z,CANCEL,3990002,{a['symbol']}",
        "2026-11-30T09:31:31.950Z,CANCEL,3990004,NGX-F27",
        f"2026-11-30T09:31:40.212Z,NEW,3990005,{b['symbol']},SELL,25,{_money(b['ref'])},T0288",
    ]) + "\n"


def _env(proj: Path) -> dict:
    return {"PATH": "/usr/bin:/bin", "HOME": str(proj), "LC_ALL": "C.UTF-8"}


def _run(proj: Path, cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=proj, env=_env(proj), capture_output=True, text=True, timeout=900, **kw)


def build(root: Path) -> Path:
    """Create the workspace under `root/cpp` (replacing any previous copy), configure and build it (plain and
    sanitizer build dirs), run the CLI over the generated sessions and return its path."""
    if CMAKE is None or GXX is None:
        raise RuntimeError("scenario cpp: cmake and g++ are needed")
    proj = scenario_tools.fresh(root / "cpp")
    rnd = random.Random(2026)
    items = _listing(rnd)
    _history(proj, _symbols_tsv(items), _crash_session(items))
    names = []
    for n, text in enumerate(_sessions(rnd, items), start=1):
        names.append(f"data/sessions/session-{n:04d}.ord")
        scenario_tools.write(proj, {names[-1]: text})
    for args in (["-S", ".", "-B", "build"], ["-S", ".", "-B", "build-asan", "-DTICKBOOK_SANITIZE=ON"]):
        r = _run(proj, ["cmake", *args])
        if r.returncode:
            raise RuntimeError(r.stdout + r.stderr)
    for d in ("build", "build-asan"):
        r = _run(proj, ["cmake", "--build", d, "-j2"])
        if r.returncode:
            raise RuntimeError(r.stdout + r.stderr)
    (proj / "logs").mkdir()
    (proj / "reports").mkdir()
    r = _run(proj, ["./build/tickbook", "--report", "reports/book.json", "--log", "logs/tickbook.log",
                    "--generated-at", GENERATED_AT, *names])
    if r.returncode != 1:  # errors were logged: exit status 1
        raise RuntimeError(f"tickbook exited {r.returncode}: {r.stderr}")
    return proj


def _shell(proj: Path, cmd: str) -> str:
    return scenario_tools.shell(proj, cmd, _env(proj))


def needles(proj: Path) -> list[dict]:
    ctest = _shell(proj, "ctest --test-dir build --output-on-failure 2>&1")
    failed = next(ln.strip() for ln in ctest.splitlines() if "CHECK_EQ(fills.size(), 1u) failed" in ln)
    asan = _shell(proj, "./build-asan/tickbook_tests 2>&1")
    # (the address itself moves from run to run: the needle is the words before it)
    asan_err = re.search(r"ERROR: AddressSanitizer: heap-use-after-free on address", asan).group(0)
    frame = re.search(r"#0 0x[0-9a-f]+ in .*?(src/book\.cpp:\d+)", asan).group(1)
    gdb = _shell(proj, f"gdb -batch -ex run -ex bt --args ./build/tickbook {CRASH_INPUT} 2>&1")
    crash = re.search(r"tickbook::Book::cancel \(this=0x0, id=\d+\) at [^\n]*?(src/book\.cpp:\d+)", gdb)
    log = (proj / "logs" / "tickbook.log").read_text().splitlines()
    errors = [ln for ln in log if " ERROR " in ln][:80]
    locked = next(ln for ln in errors if " locked after order " in ln)
    locked = locked[locked.index("book "):]
    items = json.loads((proj / "reports" / "book.json").read_text())["instruments"]
    rec = next(i for i in items if i["description"] == ASKED)
    compact = json.dumps(rec, separators=(",", ":"), ensure_ascii=False)
    fields = compact[compact.index('"orders"'):compact.index(',"resting"')]
    return [
        {"text": "+" + BUG_LINE, "why": "the bad commit's moved fill, after the erase (git show HEAD~1)"},
        {"text": failed, "why": "a failing test's message (ctest --output-on-failure)"},
        {"text": asan_err, "why": "the ASan report's error line (the sanitizer test binary)"},
        {"text": frame, "why": "the project frame the ASan report points at"},
        {"text": f"tickbook::Book::cancel (this=0x0, id={crash.group(0).split('id=')[1].split(')')[0]})",
         "why": "the crash: cancel on a null book (gdb bt)"},
        {"text": locked, "why": "the repeated error the crossing bug causes (the log's ERRORs)"},
        {"text": fields, "why": f"the {ASKED} record: orders, trades, volume, prices, status (jq -c)"},
        {"text": f'"symbol":"{rec["symbol"]}"', "why": "that record's symbol (jq -c)"},
    ]


PROMPT = ("Investigate this C++ project for the trading-desk handover: why do the tests fail, which commit broke "
          "the matching and what exactly did it change, what does the sanitizer build report and where in our code, "
          "does valgrind find anything else, and why does the replay crash on data/quarantine/session-0413.ord? "
          "What are the errors in logs/tickbook.log? Also, from the report: for the Rotterdam rapeseed oil "
          "contract for June delivery, how many trades and what volume were there, at what prices, and what is "
          "its status?")


def commands(py: str) -> list[str]:
    del py  # a C++ project: the agent runs cmake, ctest, valgrind and gdb from /usr/bin
    return [
        "ls -la",
        "git log --stat -6",
        "cmake --build build --clean-first 2>&1",
        "ctest --test-dir build --output-on-failure 2>&1",
        "git show HEAD~1",
        "grep -rn 'resting' src",
        "./build-asan/tickbook_tests 2>&1",
        f"valgrind --leak-check=full ./build/tickbook {VALGRIND_INPUT} 2>&1 | tail -n 80",
        f"gdb -batch -ex run -ex bt --args ./build/tickbook {CRASH_INPUT} 2>&1 | tail -n 60",
        "cmake --build build --target replay_bench 2>&1 | head -n 60",
        "grep -n ERROR logs/tickbook.log | head -n 80",
        "tail -n 150 logs/tickbook.log",
        "cat src/book.cpp",
        "jq 'del(.instruments)' reports/book.json",
        "jq -c '.instruments[]' reports/book.json",
        "jq '.instruments[] | select(.description | test(\"rapeseed oil\"; \"i\"))' reports/book.json",
    ]


if __name__ == "__main__":
    p = build(Path(sys.argv[1]))
    print(p)
    print(json.dumps(needles(p), indent=1))
