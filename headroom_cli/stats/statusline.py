"""One line of savings for Claude Code's `statusLine` (it runs `headroom statusline`, pipes a JSON
object on stdin — its own `session_id`, `model.display_name`, `workspace`… — and shows our stdout).

Which headroom session: `$HEADROOM_SESSION_ID` (wrap puts it in the agent's environment, and the
status-line command inherits it), else the running session whose process is one of our ancestors
(wrap → claude → statusline), else the newest running session. Kept light: no rich, no typer work.
"""
from __future__ import annotations

import json
import os


def read_input(stream) -> dict:
    """The JSON Claude Code pipes in (empty dict when there is none, or it is not JSON)."""
    try:
        if stream is None or stream.isatty():
            return {}
        data = stream.read()
        obj = json.loads(data) if data and data.strip() else {}
        return obj if isinstance(obj, dict) else {}
    except Exception:
        return {}


def _ancestor_pids() -> set[int]:
    try:
        import psutil

        return {p.pid for p in psutil.Process().parents()}
    except Exception:
        return set()


def find_session(env=None) -> str | None:
    env = os.environ if env is None else env
    sid = env.get("HEADROOM_SESSION_ID")
    if sid:
        return sid
    from . import registry

    running = registry.list_sessions(prune=False)
    if not running:
        return None
    ancestors = _ancestor_pids()
    for e in running:
        if int(e.get("pid", 0)) in ancestors:
            return e["session_id"]
    return running[0]["session_id"]


def _tok(n: float) -> str:
    n = float(n)
    if abs(n) >= 1e6:
        return f"{n / 1e6:.1f}M"
    if abs(n) >= 1e3:
        return f"{n / 1e3:.1f}k"
    return str(int(n))


def _usd(x: float) -> str:
    return f"${x:.2f}" if abs(x) >= 0.01 or x == 0 else f"${x:.3f}"


def format_line(t: dict | None, *, model: str = "") -> str:
    prefix = f"{model} │ " if model else ""
    if not t or not t.get("requests"):
        return prefix + "headroom ▾ waiting for the first request"
    # "requests … smaller": the share is of the whole requests, not of the tool results
    return (f"{prefix}headroom ▾ requests {t['saved_pct']:.0f}% smaller ({_tok(t['tokens_saved'])} tokens saved)"
            f" · {_usd(t['usd_saved'])} avoided · {t['requests']} req"
            f" · cache-read {100 * t['cache_read_share']:.0f}%")


def statusline(stdin=None, env=None, *, ledger=None, prices=None) -> str:
    data = read_input(stdin)
    model = ""
    m = data.get("model")
    if isinstance(m, dict):
        model = str(m.get("display_name") or m.get("id") or "")
    sid = find_session(env)
    if sid is None:
        return format_line(None, model=model).replace("waiting for the first request", "no running session")
    from .summary import session_figures

    return format_line(session_figures(sid, ledger=ledger, prices=prices), model=model)
