"""Everything `headroom` shows the user goes through here: one rich Console for stdout, one for stderr,
plain-text lines, and the shapes of headroom's own messages (errors with hints, warnings, status lines).

The consoles are made on first use (commands that print plain text never import rich) and made anew
for each run of the CLI (`reset()`, called by `program()`), so each run sees its own terminal width,
NO_COLOR/COLUMNS and streams. Commands differ in how they print strings (some without highlighting or
wrapping); they say so per print, through `printer(...)`, instead of with a console of their own.
"""
from __future__ import annotations

import os
import sys
from typing import Any

_consoles: dict[bool, Any] = {}  # stderr? -> rich Console


def reset() -> None:
    """Forget the consoles; the next print makes new ones (one CLI run, one pair of consoles)."""
    _consoles.clear()


def preload() -> None:
    """Import rich's console ahead of need (e.g. while an agent runs, for wrap's summary). Never raises."""
    try:
        import rich.console  # noqa: F401
    except Exception:
        pass


def console(*, err: bool = False):
    """The shared rich Console for stdout (or stderr), e.g. for rich's Live or Progress."""
    con = _consoles.get(err)
    if con is None:
        from rich.console import Console

        con = _consoles[err] = Console(stderr=err)
    return con


def show(*objects: Any, err: bool = False, **kwargs: Any) -> None:
    """rich's `Console.print` on the shared console (markup, highlighting, wrapping as rich does). Into a pipe
    or file, the output is as wide as its content: rich would cut tables at 80 columns there."""
    con = console(err=err)
    if "width" in kwargs or con.is_terminal or os.environ.get("COLUMNS"):
        con.print(*objects, **kwargs)
        return
    saved = con._width  # print(width=) cannot exceed the console's own width: widen it for this print
    con.width = _content_width(con, objects)
    try:
        con.print(*objects, **kwargs)
    finally:
        con._width = saved


_MAX_PIPE_WIDTH = 4096  # a bound for content that would take any width it is given


def _content_width(con: Any, objects: tuple) -> int:
    from rich.measure import Measurement

    options = con.options.update_width(_MAX_PIPE_WIDTH)
    try:
        widest = max((Measurement.get(con, options, o).maximum for o in objects), default=0)
    except Exception:  # something rich cannot measure: its usual width
        return con.width
    return max(con.width, min(widest, _MAX_PIPE_WIDTH))


class Printer:
    """The shared console with a command's own print defaults (e.g. `highlight=False`)."""

    def __init__(self, *, err: bool = False, **defaults: Any):
        self.err = err
        self.defaults = defaults

    def print(self, *objects: Any, **kwargs: Any) -> None:
        show(*objects, err=self.err, **{**self.defaults, **kwargs})


def printer(*, err: bool = False, **defaults: Any) -> Printer:
    return Printer(err=err, **defaults)


def echo(text: str = "", *, err: bool = False, end: str = "\n", flush: bool = False) -> None:
    """Plain text, exactly as given: no markup, no wrapping (JSON, scripts, diffs, banners)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + end)
    if flush:
        stream.flush()


def flush(*, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).flush()


def write_exact(text: str) -> None:
    """`text` to stdout exactly: no newline added, encoded as UTF-8 (lone surrogates kept) when stdout
    has a byte buffer, e.g. a stored original."""
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    out.write(text.encode("utf-8", "surrogatepass"))
    out.flush()


def error(message: str, hint: str | None = None) -> None:
    """`headroom: <message>` in bold red on stderr, then `hint: <hint>`."""
    err = console(err=True)
    err.print(f"[bold red]headroom:[/] {message}", highlight=False, markup=True)
    if hint:
        err.print(f"[dim]hint:[/] {hint}", highlight=False)


def warning(message: str) -> None:
    """`headroom: warning: <message>` on stderr (plain: it may land in a log)."""
    echo(f"headroom: warning: {message}", err=True)


def status(message: str, *, flush: bool = False) -> None:
    """`headroom: <message>` on stderr: something the user should know that is not a failure of theirs."""
    echo(f"headroom: {message}", err=True, flush=flush)
