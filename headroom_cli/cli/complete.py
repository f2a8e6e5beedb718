"""Answering the completion scripts at TAB time, from the live typer/click app.

The scripts (shell/completions.py) run `headroom` with `_HEADROOM_COMPLETE=<shell>_complete` and the
words typed so far; `cli.main()` hands that to `complete_from_env()`, which asks click's completion
machinery about the app and writes one answer per line in the format the script reads.

typer (>= 0.2x) vendors click as `typer._click` and keeps only its own completion classes, whose
instruction spelling is `complete_bash` and whose PowerShell script rebinds the Tab key globally. We use
click's spelling (`bash_complete`, `bash_source`; typer's is accepted too) and our own templates.
"""
from __future__ import annotations

import os
import sys
from typing import Any

from ..shell.completions import COMPLETE_VAR, PROG, plain_help, parse_instruction, script
from .exit import ExitStatus


def _shell_completion_module():
    try:  # typer >= 0.2x: completion must walk typer's vendored click objects
        from typer._click import shell_completion
    except ImportError:  # older typer runs on click itself
        from click import shell_completion
    return shell_completion


def _completer_class(shell: str):
    sc = _shell_completion_module()

    class _Base(sc.ShellComplete):  # type: ignore[misc, valid-type]
        name = shell
        source_template = ""

        def source_vars(self) -> dict[str, Any]:
            return {}

        def source(self) -> str:
            return script(shell, self.prog_name)

        def _words(self) -> list[str]:
            return sc.split_arg_string(os.environ.get("COMP_WORDS", ""))

        def get_completion_args(self) -> tuple[list[str], str]:
            # bash, zsh: COMP_CWORD is the index of the word being completed.
            cwords = self._words()
            cword = int(os.environ.get("COMP_CWORD", "0") or 0)
            args = cwords[1:cword]
            incomplete = cwords[cword] if cword < len(cwords) else ""
            return args, incomplete

        def format_completion(self, item) -> str:
            return f"{item.type},{item.value}"

    class _Zsh(_Base):
        def format_completion(self, item) -> str:
            help_ = plain_help(item.help) or "_"
            value = str(item.value).replace(":", r"\:") if help_ != "_" else str(item.value)
            return f"{item.type}\n{value}\n{help_}"

    class _WordTyped(_Base):
        # fish, PowerShell: COMP_WORDS is the line up to the cursor, COMP_CWORD the word being typed.
        def get_completion_args(self) -> tuple[list[str], str]:
            line = os.environ.get("COMP_WORDS", "")
            args = sc.split_arg_string(line)[1:]
            incomplete = os.environ.get("COMP_CWORD", "")
            if incomplete:
                incomplete = (sc.split_arg_string(incomplete) or [""])[0]
            if incomplete and args and args[-1] == incomplete and not line.endswith(" "):
                args.pop()
            return args, incomplete

    class _Fish(_WordTyped):
        # One line per item (fish splits command output on newlines): type<TAB>value<TAB>help.
        def format_completion(self, item) -> str:
            value = " ".join(str(item.value).split())
            return f"{item.type}\t{value}\t{plain_help(item.help) or '_'}"

    class _PowerShell(_WordTyped):
        def format_completion(self, item) -> str:
            return f"{item.type}\t{item.value}\t{plain_help(item.help)}"

    return {"bash": _Base, "zsh": _Zsh, "fish": _Fish, "powershell": _PowerShell}[shell]


def answer(shell: str, action: str = "complete", prog_name: str = PROG) -> str:
    """What the script gets back: completions for the words in COMP_WORDS/COMP_CWORD (or the script)."""
    if action == "source":
        return script(shell, prog_name)
    import typer.main

    from . import build_app

    cli = typer.main.get_command(build_app())
    comp = _completer_class(shell)(cli, {}, prog_name, COMPLETE_VAR)
    return comp.complete()


def complete_from_env(env: dict[str, str] | None = None, out=None) -> int:
    """Entry point when `_HEADROOM_COMPLETE` is set (called by `headroom_cli.cli.main`). Never raises:
    a traceback at TAB time would land in the user's command line."""
    env = os.environ if env is None else env
    out = sys.stdout if out is None else out
    try:
        shell, action = parse_instruction(env.get(COMPLETE_VAR, ""))
        text = answer(shell, action)
    except Exception as e:  # noqa: BLE001 - see docstring
        if env.get("HEADROOM_DEBUG"):
            from . import output

            output.echo(f"headroom completion failed: {e!r}", err=True)
        return ExitStatus.ERROR
    if text:
        out.write(text if text.endswith("\n") else text + "\n")
    out.flush()
    return ExitStatus.OK
