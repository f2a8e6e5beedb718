"""Terminal cleaning is lossless in the stated sense (a terminal's final text is the same), and the agents'
envelopes stay byte for byte while the output inside them is compressed."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from headroom_cli.ccr.store import key_for
from headroom_cli.compress import markers, router, terminal
from headroom_cli.compress.base import Context

import test_compressors_samples as S

DATA = Path(__file__).resolve().parent.parent / "headroom_cli" / "corpus_data" / "mixed"
REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "real_requests"


def screen(text: str) -> list[str]:
    """A reference terminal, cell by cell (written apart from `terminal._play`): the final text of each line,
    trailing blanks dropped (a terminal shows none). Knows what the cleaner plays out: printable characters,
    LF (next line, first column), CR, BS, CSI A B C D G K J, and SGR / OSC, which show nothing."""
    grid: dict[tuple[int, int], str] = {}
    r = c = top = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            r, c = r + 1, 0
            top = max(top, r)
        elif ch == "\r":
            c = 0
        elif ch == "\b":
            c = max(0, c - 1)
        elif ch == "\x1b" and text.startswith("]", i + 1):
            j = text.find("\x07", i)
            i = (j if j >= 0 else n - 1) + 1
            continue
        elif ch == "\x1b" and text.startswith("[", i + 1):
            j = i + 2
            while j < n and not ("@" <= text[j] <= "~"):
                j += 1
            args, final = text[i + 2:j], text[j] if j < n else ""
            k = int(args) if args.isdigit() else None
            if final == "A":
                r = max(0, r - (k or 1))
            elif final == "B":
                r += k or 1
                top = max(top, r)
            elif final == "C":
                c += k or 1
            elif final == "D":
                c = max(0, c - (k or 1))
            elif final == "G":
                c = max(0, (k or 1) - 1)
            elif final == "K":
                row = [x for (y, x) in grid if y == r]
                for x in row:
                    if (k or 0) == 0 and x >= c or k == 1 and x <= c or k == 2:
                        del grid[(r, x)]
            elif final == "J":
                for (y, x) in list(grid):
                    if y > r or (y == r and x >= c):
                        del grid[(y, x)]
                top = r
            i = j + 1
            continue
        else:
            grid[(r, c)] = ch
            c += 1
        i += 1
    lines = []
    for y in range(top + 1):
        cols = [x for (yy, x) in grid if yy == y]
        width = max(cols) + 1 if cols else 0
        lines.append("".join(grid.get((y, x), " ") for x in range(width)).rstrip(" "))
    return lines


def shown(text: str) -> list[str]:
    """The lines of cleaned text as shown: a CRLF ends a line like an LF, trailing blanks do not show."""
    return [ln.removesuffix("\r").rstrip(" ") for ln in text.split("\n")]


PIECES = [
    "\r", "\n", "\b", "\r\n", "\x1b[32m", "\x1b[0m", "\x1b[1;31m", "\x1b[K", "\x1b[0K", "\x1b[1K", "\x1b[2K",
    "\x1b[A", "\x1b[2A", "\x1b[B", "\x1b[3C", "\x1b[2D", "\x1b[5G", "\x1b[J", "\x1b]8;;http://x/\x07",
    "\x1b[?25l", "\x1b[?25h", "Downloading", " 42%", " 100%", "━━━━", "ok", "E  ", "  ", "x",
]


def test_cleaning_keeps_the_final_text_a_terminal_shows():
    rnd = random.Random(20261202)
    changed = 0
    for _ in range(1500):
        raw = "".join(rnd.choice(PIECES) for _ in range(rnd.randrange(1, 40)))
        out = terminal.clean(raw)
        assert "\x1b" not in out and "\b" not in out
        assert "\r" not in out.replace("\r\n", "")
        assert shown(out) == screen(raw), repr(raw)
        assert terminal.clean(out) == out  # nothing left to clean
        changed += out != raw
    assert changed >= 1200  # the examples really were noisy


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(["alpha", "  beta", "\t", "é", "日本", "\n", "\r\n", "   ", "x = 1;", "", "\n\n\n\n"]),
                max_size=40))
def test_text_without_terminal_noise_is_returned_as_it_is(pieces):
    raw = "".join(pieces)
    assert terminal.clean(raw) is raw


def test_progress_bars_keep_their_final_state_only():
    raw = ("Collecting numpy\n  Downloading numpy-2.1.0.whl (16.3 MB)\n"
           + "".join(f"\r     {'━' * k}{' ' * (40 - k)} {k * 0.4:.1f}/16.3 MB" for k in range(0, 41, 4))
           + "\nInstalling collected packages: numpy\nSuccessfully installed numpy-2.1.0\n")
    out = terminal.clean(raw)
    assert out.count("MB") == 2 and "16.0/16.3 MB" in out and "0.0/16.3" not in out
    assert out.splitlines()[-1] == "Successfully installed numpy-2.1.0"


def test_screen_wide_sequences_are_not_played_out_only_colours_go():
    raw = "\x1b[2J\x1b[H\x1b[1mtop - 10:00 up 3 days\x1b[0m\r\nTasks: 201 total\r\n\x1b[5;1Hmore"
    out = terminal.clean(raw)
    assert "\x1b[1m" not in out and "\x1b[0m" not in out
    assert "\x1b[2J" in out and "\x1b[5;1H" in out and "top - 10:00 up 3 days\r\nTasks: 201 total" in out


def test_real_pty_captures_clean_to_their_visible_text():
    pip = (DATA / "pip_progress_pty.txt").read_bytes().decode("utf-8")
    assert "\r" in pip.replace("\r\n", "") and "\x1b[" in pip  # the capture really has rewrites and colours
    out = terminal.clean(pip)
    assert shown(out) == screen(pip)
    assert "Successfully downloaded" in out and len(out) < 0.8 * len(pip)
    pytest_out = (DATA / "pytest_color_pty.txt").read_bytes().decode("utf-8")
    assert shown(terminal.clean(pytest_out)) == screen(pytest_out)


# -- envelopes ------------------------------------------------------------------------------------------------

CODEX = ("Chunk ID: 1effa5\nWall time: 0.0113 seconds\nProcess exited with code 1\n"
         "Original token count: 5708\nOutput:\n")
CODEX_RUNNING = ("Chunk ID: 0c3dd9\nWall time: 10.0009 seconds\nProcess running with session ID 51408\n"
                 "Original token count: 1399\nOutput:\n")  # Codex 0.171: the command had not finished yet
CODEX_CUT = CODEX + "Warning: truncated output (original token count: 5708)\nTotal output lines: 640\n\n"
# Codex 0.171's code mode (`exec_command` called from a script, a custom tool): the script's envelope, then what the
# script printed (the command's output, with Codex's own cut header when it cut it)
CODEX_SCRIPT = "Script completed\nWall time 0.1 seconds\nOutput:\n"
CODEX_SCRIPT_CUT = CODEX_SCRIPT + "Warning: truncated output (original token count: 18173)\nTotal output lines: 300\n\n"
CODEX_SCRIPT_RUNNING = "Script running with cell ID 3\nWall time 10.0 seconds (code-mode 9.9 seconds; overhead 0.1 seconds)\nOutput:\n"
CLAUDE_EXIT = "Exit code 1\n"
PERSISTED_HEAD = ("<persisted-output>\nOutput too large (48.2KB). Full output saved to: "
                  "/home/dev/.claude/projects/-home-dev-app/0b1c/tool-results/toolu_01X.txt\n\nPreview (first 2KB):\n")
PERSISTED_TAIL = "\n...\n</persisted-output>"


@pytest.mark.parametrize("head,tail", [(CODEX, ""), (CODEX_CUT, ""), (CODEX_RUNNING, ""), (CLAUDE_EXIT, ""),
                                       (PERSISTED_HEAD, PERSISTED_TAIL), (CODEX + CLAUDE_EXIT, ""),
                                       (CODEX_SCRIPT, ""), (CODEX_SCRIPT_CUT, ""), (CODEX_SCRIPT_RUNNING, "")])
def test_envelope_splits_off_exactly_the_agents_wrapping(head, tail):
    body = "line one\nline two\n"
    assert terminal.envelope(head + body + tail) == (head, body, tail)


def test_text_that_only_resembles_an_envelope_is_not_one():
    for t in ("Exit code: 1\nboom\n", "exit code 1\n", "Output:\nfoo", "<persisted-output>no closing tag",
              "Process exited with code 0\nno output line\n", "Script completed\nno output line\n",
              "Script completed in 3 s\nOutput:\nfoo"):
        assert terminal.envelope(t) == ("", t, "")


@pytest.mark.parametrize("head,tail", [(CODEX, ""), (CODEX_CUT, ""), (CLAUDE_EXIT, ""), (PERSISTED_HEAD, PERSISTED_TAIL),
                                       (CODEX_SCRIPT_CUT, "")])
def test_router_keeps_the_envelope_byte_exact_and_compresses_what_is_inside(head, tail):
    body, needles = S.pytest_log()
    block = head + "\x1b[1m" + body.replace("PASSED", "\x1b[32mPASSED\x1b[0m") + tail
    res = router.compress_block(block, Context(tool_input='{"cmd": "pytest -v"}'))
    assert res is not None and res.kind == "build"
    assert res.text.startswith(head) and res.text.endswith(tail)
    assert "\x1b[" not in res.text
    assert markers.find_keys(res.text) == [key_for(block)]  # the key covers the whole block, envelope included
    for n in needles:
        assert n in res.text


def _real_outputs(name: str) -> list[str]:
    f = REAL / name
    if not f.exists():
        pytest.skip("real request fixtures not present (../shared)")
    last = json.loads(f.read_text(encoding="utf-8").splitlines()[-1])
    return [it["output"] for it in last.get("input", []) if it.get("type") == "function_call_output"]


def test_real_codex_envelopes_are_recognised_and_kept():
    outs = _real_outputs("codex-0.169.0.jsonl")
    assert len(outs) >= 5
    for o in outs:
        head, body, tail = terminal.envelope(o)
        assert head.startswith("Chunk ID: ") and head.endswith("Output:\n") or "Total output lines:" in head
        assert head + body + tail == o and tail == ""
        res = router.compress_block(o, Context(tool_input="run"))
        if res is not None:
            assert res.text.startswith(head)


def test_a_codex_script_output_is_detected_by_what_it_printed():
    """Codex 0.171's code-mode envelope (every output of its `exec_command` script tool) was not peeled: a JSON
    document after it was not a JSON block, so a small pretty-printed answer got no lossless rewrite."""
    recs = [{"sku": f"FT-01{k:02d}", "description": f"Cabinet hinge, brass, {k} pack", "on_hand": 9 * k,
             "status": "ok" if k % 3 else "low", "last_movement": f"2026-11-2{k}T07:33:41Z"} for k in range(2, 7)]
    out = "".join(json.dumps(r, indent=2) + "\n" for r in recs)  # jq's layout: one pretty document per result
    block = CODEX_SCRIPT + out
    assert terminal.envelope(block) == (CODEX_SCRIPT, out, "")
    res = router.compress_block(block, Context(tool_input='exec_command({cmd: "jq .items[] reports/stock.json"})'))
    assert res is not None and not res.lossy and res.text.startswith(CODEX_SCRIPT)
    assert res.text[len(CODEX_SCRIPT):] == "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in recs)
