"""Classes a held-out service session lost on (benchmarks/scenario_svc.py: a real aiohttp service, its log, real
tools): a handler failing the same way on many requests logs the same traceback each time; `grep -n -A` over
that one log prints no path, so its line numbers were read as file names. Each test runs a real Python program
that logs real tracebacks."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import common, logs, search

SERVICE = r'''
import logging, random, sys
logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                    format="%(asctime)s %(levelname)-7s [%(name)s] %(message)s")
acc, srv = logging.getLogger("aiohttp.access"), logging.getLogger("aiohttp.server")
def decode(code):
    for ch in code:
        if not ch.isalnum():
            raise ValueError(f"invalid base62 digit {ch!r} in code {code!r}") from None
    return int(code, 36)
def lookup(code):
    return decode(code)
def fetch(code):
    return {"id": code}["missing"]
def handle(code):
    if code == "gone":
        return fetch(code)
    return lookup(code)
rnd = random.Random(5)
for i in range(400):
    code = rnd.choice(["10a", "11x", "104", "12o"]) if rnd.random() > 0.08 else f"1{i}-winter"
    if i == 333:
        code = "gone"
    try:
        handle(code)
        acc.info('127.0.0.1 "GET /r/%s HTTP/1.1" 302 %d 0.000%ds "curl/8.5.0"', code, 200 + i % 50, 200 + i)
    except (ValueError, KeyError):
        srv.exception("Error handling request from 127.0.0.1")
        acc.info('127.0.0.1 "GET /r/%s HTTP/1.1" 500 246 0.001%ds "curl/8.5.0"', code, 100 + i)
'''


@pytest.fixture(scope="module")
def service_log(tmp_path_factory) -> str:
    d = tmp_path_factory.mktemp("svc")
    (d / "service.py").write_text(SERVICE)
    out = subprocess.run([sys.executable, "service.py"], cwd=d, capture_output=True, text=True, check=True).stdout
    (d / "app.log").write_text(out)
    return str(d)


def _exception_lines(text: str) -> list[str]:
    return re.findall(r"^(?:\d+-)?((?:ValueError|KeyError): .*)$", text, re.M)


def test_a_traceback_logged_again_is_one_marker_and_each_error_line_stays(service_log):
    text = open(f"{service_log}/app.log").read()
    assert text.count("Traceback (most recent call last):") >= 20
    res = logs.compress(text, Context(tool_input="cat app.log", preceding_text="Why do some redirects fail with 500?"))
    assert res is not None and res.lossy
    shown = res.text.count("Traceback (most recent call last):")
    folded = len(re.findall(r"\[… \d+ lines: the same stack trace as above omitted\]", res.text))
    assert folded >= 5 and shown <= 3  # the ValueError traceback and the KeyError one, each shown whole once
    kept_errors = _exception_lines(res.text)
    assert "KeyError: 'missing'" in kept_errors  # the different failure keeps its own traceback and line
    assert 'return {"id": code}["missing"]' in res.text
    # every folded repeat keeps the exception line after it: what differed
    for m in re.finditer(r"the same stack trace as above omitted\]\n(.*)", res.text):
        assert m.group(1).startswith(("ValueError: ", "KeyError: "))


def test_a_different_stack_is_never_folded_into_another():
    a = ["Traceback (most recent call last):", '  File "/srv/service/app.py", line 10, in handle',
         "    return lookup(code)", '  File "/srv/service/app.py", line 5, in lookup', "    return decode(code)",
         '  File "/srv/service/codec.py", line 27, in decode', "    raise ValueError(code)"]
    b = a[:3] + ['  File "/srv/service/app.py", line 7, in lookup'] + a[4:]  # one line number differs
    out = ["ERROR first"] + a + ["ValueError: x"] + ["ERROR second"] + b + ["ValueError: y"] + \
        ["ERROR third"] + a + ["ValueError: z"]
    folded = common.fold_stacks(out, common.Lines("\n".join(out)))
    assert folded[:18] == out[:18]  # a and b both shown whole
    assert folded[18:] == ["ERROR third", "[… 7 lines: the same stack trace as above omitted]", "ValueError: z"]


def test_one_file_grep_n_with_context_names_no_line_number_as_a_file(service_log):
    text = subprocess.run("grep -n -A 12 'Error handling request' app.log | head -n 150", shell=True,
                          cwd=service_log, capture_output=True, text=True).stdout
    res = search.compress(text, Context(tool_input="grep -n -A 12 'Error handling request' app.log | head -n 150",
                                        preceding_text="Why do some redirects fail with 500?"))
    assert res is not None and res.lossy and len(res.text) < len(text) / 2
    assert not re.search(r"in \d+ files?: \d+ \(", res.text)  # (was: `[… 6 lines in 5 files: 432 (1), …]`)
    # each distinct exception line in the matches' context stays verbatim
    assert sorted(set(_exception_lines(res.text))) == sorted(set(_exception_lines(text)))


def test_a_repeated_traceback_in_grep_context_goes_whole_even_where_the_request_names_its_frames():
    """The ranking picked frame lines the request's words name (`store`, `decode`) in every repeated traceback,
    which left two or three lines of each between small markers; now a repeat goes whole, its marker says which
    lines it repeats, and the exception line after it stays."""
    from headroom_cli.corpus_real import capture

    text = capture("service_log_grep")
    cmd = "grep -n -A 30 'Error handling request' logs/linkd.log | head -n 120"
    res = search.compress(text, Context(tool_input=cmd, preceding_text="Why do redirects 500? Look at store.get and "
                                                                       "decode(code) in the link code path."))
    assert res is not None
    assert text.count("return self._links.get(decode(code))") == 4
    assert res.text.count("return self._links.get(decode(code))") == 1
    assert len(re.findall(r"\[… 21 lines: the same stack trace as lines 407–427 omitted\]", res.text)) == 3
    assert sorted(set(_exception_lines(res.text))) == sorted(set(_exception_lines(text)))
