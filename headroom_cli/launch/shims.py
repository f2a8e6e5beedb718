"""Find an agent's real executable past headroom's own shims, and stop wrap from calling itself.

A shell function `claude() { headroom wrap claude -- "$@"; }` is harmless: functions are invisible to
the subprocess wrap starts, so PATH lookup finds the real `claude`. A *script* on PATH named `claude`
that calls headroom is not: wrap would find the script, run it, and the script would run wrap again.
`find_real_binary` skips such scripts (headroom's shim marker, a `headroom … wrap <name>` line, or a
link to headroom's own entry point). `HEADROOM_WRAPPED` is the backstop for shims nobody can
recognise: wrap appends the agent's name for its child, and refuses to start when the same agent is
already wrapped `MAX_SAME_AGENT_DEPTH` times up the process chain.

Stdlib only: this runs on wrap's start-up path.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

SHIM_MARKER = "headroom-shim"  # a line like `# headroom-shim: claude` marks a script as headroom's
WRAPPED_ENV = "HEADROOM_WRAPPED"  # `claude` or `claude:codex`: agents wrapped up the process chain
MAX_SAME_AGENT_DEPTH = 2  # one nested wrap of the same agent is legitimate (an agent running itself)
_HEAD_BYTES = 8192


def _entry_points() -> set[str]:
    """Real paths of headroom's own console script(s), to skip them whatever they are named."""
    cands = [shutil.which("headroom"), str(Path(sys.executable).with_name("headroom"))]
    if Path(sys.argv[0]).name.startswith("headroom"):
        cands.append(sys.argv[0])
    out = set()
    for c in cands:
        if c and os.path.isfile(c):
            out.add(os.path.realpath(c))
    return out


def is_shim(path: str | os.PathLike, name: str) -> bool:
    """True if `path` is headroom itself or a script that runs `headroom wrap <name>`."""
    real = os.path.realpath(path)
    if real in _entry_points():
        return True
    try:
        with open(real, "rb") as f:
            head = f.read(_HEAD_BYTES)
    except OSError:
        return False
    if b"\0" in head:  # a binary (ELF, Mach-O, PE): never a shim of ours
        return False
    if SHIM_MARKER.encode() in head:
        return True
    if not head.startswith(b"#!") and not real.lower().endswith((".cmd", ".bat", ".ps1")):
        return False
    # `headroom [...] wrap [flags...] <name>` on one line (flags may sit between wrap and the name)
    pat = (rb"\bheadroom(?:_cli)?\b[^\n]*?\bwrap\b(?:[ \t]+[^\s;|&]+)*?[ \t]+[\"']?"
           + re.escape(name.encode()) + rb"(?![\w.-])")
    return re.search(pat, head) is not None


def _candidates(name: str, path: str | None) -> list[str]:
    path = os.environ.get("PATH", os.defpath) if path is None else path
    exts = [""]
    if os.name == "nt":
        exts = [e.lower() for e in os.environ.get("PATHEXT", ".COM;.EXE;.BAT;.CMD").split(";") if e]
        if os.path.splitext(name)[1].lower() in exts:
            exts = [""]
    out, seen = [], set()
    for d in path.split(os.pathsep):
        if not d:
            continue
        for ext in exts:
            cand = os.path.join(d, name + ext)
            key = os.path.normcase(os.path.abspath(cand))
            if key in seen:
                continue
            seen.add(key)
            if os.path.isfile(cand) and os.access(cand, os.X_OK):
                out.append(os.path.abspath(cand))
    return out


def find_real_binary(name: str, path: str | None = None) -> str | None:
    """Absolute path of the first `name` on `path` (default $PATH) that is not a headroom shim, or None.
    Like `shutil.which`, but a headroom shim earlier on PATH is skipped instead of returned."""
    if os.sep in name or (os.altsep and os.altsep in name):
        return os.path.abspath(name) if os.path.isfile(name) and os.access(name, os.X_OK) else None
    for cand in _candidates(name, path):
        if not is_shim(cand, name):
            return cand
    return None


def shims_on_path(name: str, path: str | None = None) -> list[str]:
    """The headroom shims named `name` on PATH (for `doctor` and error hints)."""
    return [c for c in _candidates(name, path) if is_shim(c, name)]


def wrapped_chain(env: dict[str, str] | None = None) -> list[str]:
    env = os.environ if env is None else env
    return [a for a in env.get(WRAPPED_ENV, "").split(":") if a]


def check_not_recursing(agent: str, env: dict[str, str] | None = None) -> None:
    """Raise HeadroomError when `agent` is already wrapped MAX_SAME_AGENT_DEPTH times up the chain
    (a shim calling wrap calling the shim …)."""
    chain = wrapped_chain(env)
    if chain.count(agent) >= MAX_SAME_AGENT_DEPTH:
        from ..errors import HeadroomError

        raise HeadroomError(
            f"`headroom wrap {agent}` is calling itself ({WRAPPED_ENV}={':'.join(chain)})",
            hint=f"a script named `{agent}` on PATH probably runs `headroom wrap {agent}`: use a shell function "
                 f"(`headroom alias`) instead, or put `# {SHIM_MARKER}: {agent}` in that script",
        )


def child_env(agent: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """The guard variable for the agent's environment: {HEADROOM_WRAPPED: '<chain>:<agent>'}."""
    return {WRAPPED_ENV: ":".join([*wrapped_chain(env), agent])}
