"""Terminal noise and agent envelopes: what surrounds the content of a command's output.

`clean` removes what a terminal would not show, losslessly in this sense: the text a terminal would display at
the end (its final screen, scrolled back) is the same before and after. Colour and style codes (SGR), titles and
hyperlink targets (OSC) go; a line rewritten with `\\r` (progress bars), backspaces, erase-in-line and cursor moves
within the block are played out, so only each line's final state is left; cells that were erased end up as
trailing blanks, which are dropped from the lines they ended. Runs of empty lines are left alone: o200k encodes a
run of newlines as one token whatever its length (measured), so collapsing them would save nothing and shift line
numbers.
When the block uses a sequence whose effect depends on the screen outside it (absolute cursor positions, clearing
the screen, scroll regions), nothing is played out: only the colour codes and OSC strings go, the rest stays.

`envelope` splits a tool result into the agent's own wrapping, kept byte for byte, and the command's output inside
it, which is what the router detects and compresses. The wrappings are the real agents' (checked against requests
captured from Claude Code 2.1.330 and 2.1.332 and Codex 0.169.0 and 0.171.0, and against the strings in Claude
Code 2.1.332's binary):
- Codex: `Chunk ID: …` / `Wall time: …` / `Process exited with code N` (0.171: `Process running with session ID N`
  while the command still runs) / `Original token count: N` / `Output:` lines first, and when Codex itself cut
  the output, its `Warning: truncated output (…)` and `Total output lines: N` lines and a blank line after them;
- Codex 0.171 in code mode (a script calling `exec_command`, every output of its custom tool): `Script completed`
  (or `Script running with cell ID N`, `Script terminated`), `Wall time N seconds` and `Output:` lines, then the
  same cut lines when Codex cut the command's output (checked against the strings in Codex 0.171.0's binary);
- Claude Code: `Exit code N` as the first line of a failed command's result (stderr, then stdout, follow);
- Claude Code: a `<persisted-output>` preview of an output it saved to a file: its `Output too large (…). Full
  output saved to: …` and `Preview (…):` lines before the preview, `...` and the closing tag after it.

Pure functions of the text.
"""
from __future__ import annotations

import re

NAME = "terminal"  # the compressor name of a result that only lost terminal noise

# -- envelopes ----------------------------------------------------------------------------------------

_CODEX = re.compile(
    r"(?:Chunk ID: [^\n]*\n)?(?:Wall time: [^\n]*\n)?Process (?:exited with code|running with session ID) [^\n]*\n"
    r"(?:Original token count: [^\n]*\n)?Output:\n"
    r"(?:Warning: truncated output[^\n]*\n)?(?:Total output lines: \d+\n\n?)?"
)
# Codex 0.171's code mode (its `exec_command` called from a script: a custom tool): the script's state, its wall
# time (with the code-mode split when it is still running), then what the script printed
_CODEX_SCRIPT = re.compile(
    r"Script (?:completed|terminated|running with cell ID [^\n]*)\nWall time [0-9.]+ seconds[^\n]*\nOutput:\n"
    r"(?:Warning: truncated output[^\n]*\n)?(?:Total output lines: \d+\n\n?)?"
)
_EXIT_CODE = re.compile(r"Exit code -?\d+\n")
_PERSISTED_HEAD = re.compile(
    r"<persisted-output>\n(?:[^\n]*(?:Full output saved to|were saved to): [^\n]*\n\n)?"
    r"(?:Preview \([^\n)]*\):\n)?"
)
_PERSISTED_TAIL = re.compile(r"(?:\n\.\.\.)?\n?</persisted-output>\s*\Z")


def envelope(text: str) -> tuple[str, str, str]:
    """(head, body, tail) with `head + body + tail == text`: the agents' wrappings around the command's output
    (see the module docstring), peeled from the outside in; ("", text, "") when there is none."""
    head_end, tail_start = 0, len(text)
    while True:
        m = _CODEX.match(text, head_end) or _CODEX_SCRIPT.match(text, head_end) or _EXIT_CODE.match(text, head_end)
        if m is None and text.startswith("<persisted-output>", head_end):
            t = _PERSISTED_TAIL.search(text, head_end, tail_start)
            if t is not None:
                m = _PERSISTED_HEAD.match(text, head_end, t.start())
                if m is not None:
                    tail_start = t.start()
        if m is None or m.end() == head_end:
            break
        head_end = m.end()
    return text[:head_end], text[head_end:tail_start], text[tail_start:]


# -- terminal noise -----------------------------------------------------------------------------------

# One control token: a CSI sequence (ESC [ params intermediates final), an OSC string (ESC ] … BEL or ST), another
# two-character escape, a carriage return, a backspace, a line end (a CRLF is one), or a run of anything else.
_TOKEN = re.compile(
    r"\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]|(\r)(?!\n)|(\x08)|(\r?\n)|"
    r"([^\x1b\r\x08\n]+)|\x1b"
)
# SGR (colours, bold) and OSC strings (window titles, hyperlink targets) never change the text shown.
_INVISIBLE = re.compile(r"\x1b\[[0-9;:]*m|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
# Sequences whose effect reaches outside the block (absolute positions, screen clears, scroll regions, saved
# cursors, reverse index): their final screen cannot be known from the block alone.
_SCREEN = re.compile(r"\x1b\[[0-9;?]*[HfrsuSTd]|\x1b\[[0-9;?]*[123]J|\x1b[78MDEc]")


def noisy(text: str) -> bool:
    """Does `text` hold anything `clean` would change? (escape codes, backspaces, a `\\r` that is not part of a
    CRLF line end.) Cheap: C-level substring scans."""
    if "\x1b" in text or "\x08" in text:
        return True
    return "\r" in text and text.count("\r") != text.count("\r\n")


def clean(text: str) -> str:
    """`text` as a terminal would finally show it (see the module docstring); `text` itself when nothing changes."""
    if not noisy(text):
        return text
    if _SCREEN.search(text) is None:
        return _play(text)
    return _INVISIBLE.sub("", text) if "\x1b" in text else text


def _param(p: str, default: int = 1) -> int:
    p = p.split(";")[0]
    return int(p) if p.isdigit() else default


def _play(text: str) -> str:
    """Play the block's output onto a grid of lines: `\\n` starts the next line, `\\r` returns to its first column,
    backspace and cursor moves (CSI A B C D G) move, erase-in-line (CSI K) blanks, other text overwrites.
    Lines that no control token touched come out exactly as they were (trailing blanks included)."""
    rows: list[str] = [""]
    touched: list[bool] = [False]
    row = col = 0
    for m in _TOKEN.finditer(text):
        run = m.group(6)
        if run is not None:
            line = rows[row]
            if col == len(line):
                rows[row] = line + run
            elif col > len(line):
                rows[row] = line + " " * (col - len(line)) + run
                touched[row] = True
            else:
                rows[row] = line[:col] + run + line[col + len(run):]
                touched[row] = True
            col += len(run)
            continue
        if m.group(5) is not None:  # newline: next line, first column
            row += 1
            col = 0
            if row == len(rows):
                rows.append("")
                touched.append(False)
            continue
        touched[row] = True
        if m.group(3) is not None:  # carriage return
            col = 0
        elif m.group(4) is not None:  # backspace
            col = max(0, col - 1)
        elif m.group(2) is not None:  # CSI
            final, params = m.group(2), m.group(1)
            if final == "J":  # erase below (J and 0J; the others are screen-wide, see _SCREEN)
                rows[row] = rows[row][:col]
                del rows[row + 1:], touched[row + 1:]
            elif final == "K":
                line, how = rows[row], _param(params, 0)
                if how == 0:
                    rows[row] = line[:col]
                elif how == 1:
                    rows[row] = " " * min(col + 1, len(line)) + line[col + 1:]
                else:
                    rows[row] = ""
            elif final == "A":
                row = max(0, row - _param(params))
                touched[row] = True
            elif final == "B":
                row += _param(params)
                while row >= len(rows):
                    rows.append("")
                    touched.append(True)
            elif final == "C":
                col += _param(params)
            elif final == "D":
                col = max(0, col - _param(params))
            elif final == "G":
                col = max(0, _param(params) - 1)
            # SGR and any other CSI change no text
        # OSC strings and other escapes change no text
    return "\n".join(r.rstrip(" ") if t else r for r, t in zip(rows, touched))
