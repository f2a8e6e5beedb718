"""Help texts and manual pages (compress/compressors/helptext.py), on real captures: `pytest --help`, `curl --help
all`, `man git-log`. The entries a question points to stay whole, every other option is named in its gap's marker,
and nothing else is taken for a help text."""
from __future__ import annotations

import json
import re

import pytest

from headroom_cli.compress import markers, relevance, router
from headroom_cli.compress.base import Context
from headroom_cli.compress.tokens import count_tokens
from headroom_cli.corpus_real import capture
from headroom_cli.ccr.store import key_for

REAL = "headroom_cli/corpus_data/real"


def ask(text: str, question: str, command: str):
    return router.compress_block(text, Context(tool_name="Bash", tool_input=command, preceding_text=question))


def test_pytest_help_keeps_the_options_asked_about_and_names_the_others():
    out = capture("pytest_help")
    assert router.detect(out, Context(tool_input="python -m pytest --help")) == "help"  # was build output
    res = ask(out, "Which pytest option stops the run after the first N failures, and which one stops at the very "
                   "first failure?", "python -m pytest --help")
    assert res is not None and res.lossy and res.kind == "help"
    assert markers.find_keys(res.text) == [key_for(out)]
    assert "  --maxfail=num         Exit after first num failures or errors" in res.text
    assert "  -x, --exitfirst       Exit instantly on first error or failed test" in res.text
    assert res.text.startswith("usage: python -m pytest [options]")
    # the options that went are named where they were: what pytest can do stays readable
    named = " ".join(m for m in re.findall(r"\[… [^\]]*\]", res.text))
    for opt in ("--strict-markers", "--pdb", "--collect-only", "--durations"):
        assert opt in named, opt
    assert count_tokens(res.text) < 0.3 * count_tokens(out)


def test_curl_help_keeps_the_retry_options():
    out = capture("curl_help")
    res = ask(out, "How do I make curl retry when a transfer fails, and wait between the retries?", "curl --help all")
    assert res is not None and res.kind == "help"
    for line in ("     --retry <num>        Retry request if transient problems occur",
                 "     --retry-delay <seconds> Wait time between retries"):
        assert line in res.text
    assert "--abstract-unix-socket" in res.text  # the first option, named in the first gap's marker
    assert count_tokens(res.text) < 0.35 * count_tokens(out)


def test_a_manual_page_is_help_not_a_log():
    out = capture("man_git_log")
    ctx = Context(tool_name="Bash", tool_input="man git-log | col -b")
    assert router.detect(out, ctx) == "help"  # `git-log` hinted a log
    res = ask(out, "Which git log option traces the history of one function, or of a range of lines, in a file?",
              "man git-log | col -b")
    assert res is not None and res.kind == "help"
    assert "       -L<start>,<end>:<file>, -L:<funcname>:<file>" in res.text
    assert "NAME\n       git-log - Show commit logs" in res.text and "SYNOPSIS" in res.text
    assert count_tokens(res.text) < 0.1 * count_tokens(out)


def test_without_a_question_each_option_keeps_its_first_line_while_the_budget_lasts():
    out = capture("curl_help")
    res = router.compress_block(out, Context(tool_name="Bash", tool_input="curl --help all"))
    assert res is not None and res.kind == "help"
    kept = [s for s in res.text.split("\n") if s.lstrip().startswith("-")]
    assert len(kept) >= 40  # a list of options with their one-line summaries, from the top
    assert kept[0].strip().startswith("--abstract-unix-socket")


def test_stems_join_a_word_and_its_ure_form():
    # "failures" and "failed" are one word to the ranking ("stops at the first failure" finds "failed test")
    assert relevance.stem("failures") == relevance.stem("failure") == relevance.stem("failed") == "fail"
    assert relevance.stem("closure") == relevance.stem("closed")


def _manifest() -> list[str]:
    from importlib import resources
    return json.loads((resources.files("headroom_cli") / "corpus_data" / "real" / "MANIFEST.json").read_text())


@pytest.mark.parametrize("name", [n for n in _manifest() if n not in ("pytest_help", "curl_help", "man_git_log")])
def test_no_other_real_output_is_taken_for_help(name):
    out = capture(name)
    assert router.detect(out, Context(tool_input="run")) != "help"


def test_outputs_that_only_mention_usage_are_not_help():
    argparse_error = ("usage: manage.py [-h] [--settings SETTINGS] [--verbosity {0,1,2,3}] command\n"
                      "manage.py: error: unrecognized arguments: --frobnicate\n")
    markdown = "# Tool\n\nUsage:\n\n" + "".join(f"- item {k}: does thing {k}\n" for k in range(40))
    for t in (argparse_error * 8, markdown):
        assert router.detect(t, Context(tool_input="run")) != "help"


_WORDS = ["retry", "timeout", "verbose", "output", "format", "color", "cache", "config", "proxy", "header", "limit",
          "depth", "follow", "quiet", "strict", "parallel", "profile", "trace", "record", "replay"]


def _help_text(r, n_opts: int) -> tuple[str, list[str]]:
    lines, firsts = [f"usage: tool [options] <target>", "", "Options:"], []
    for k in range(n_opts):
        if k and k % 15 == 0:
            lines += ["", f"{r.choice(_WORDS).title()} options:"]
        name = f"--{r.choice(_WORDS)}-{k}"
        first = f"  -{chr(97 + k % 26)}, {name}" if k % 3 == 0 else f"      {name}=<n>"
        first = first.ljust(26) + " " + " ".join(r.choice(_WORDS) for _ in range(r.randint(3, 8)))
        lines.append(first)
        firsts.append(first)
        lines += [" " * 27 + " ".join(r.choice(_WORDS) for _ in range(8)) for _ in range(r.randint(0, 3))]
    return "\n".join(lines) + "\n", firsts


def test_generated_help_texts_keep_every_option_named_or_counted():
    import random

    seen = cut = 0
    for seed in range(120):
        r = random.Random(seed)
        text, firsts = _help_text(r, r.randint(30, 120))
        q = f"How do I set the {r.choice(_WORDS)} and the {r.choice(_WORDS)}?" if seed % 4 else ""
        ctx = Context(tool_name="Bash", tool_input="tool --help", preceding_text=q)
        assert router.detect(text, ctx) == "help"
        res = router.compress_block(text, ctx)
        seen += 1
        if res is None:
            continue
        cut += 1
        assert res.lossy and markers.find_keys(res.text) == [key_for(text)]
        out = res.text.split("\n")
        originals = set(text.split("\n"))
        assert all(s in originals or s.startswith("[… ") for s in out)  # lines as they were, or markers
        shown = sum(1 for s in out if s in firsts)
        counted = sum(int(m) for m in re.findall(r"lines? of (\d+) options?", res.text))
        assert shown + counted == len(firsts)  # no option vanishes without a word
    assert seen == 120 and cut >= 100
