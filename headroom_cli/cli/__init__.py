"""The `headroom` command. `program()` does the work (the typer app); `main()` maps what escapes it to
an `ExitStatus` (cli/exit.py) and shows errors (cli/output.py).

Each command lives in its own module with a `register(app)` function; heavy imports stay inside
the command functions so that start-up (and `headroom wrap` handing the terminal to the agent)
stays fast.
"""
from __future__ import annotations

import importlib
import os
import sys

# Order here is the order in `headroom --help`.
COMMAND_MODULES = [
    "wrap", "proxy", "team", "stats", "dashboard", "statusline", "retrieve", "cache", "learn", "mcp",
    "perf", "doctor", "completions", "alias", "engine",
]


def _readable_help_types() -> None:
    """typer 0.2x prints raw type names in help (`<bool>` beside every flag, `<str>`, `<list[str]>`): flags
    show no type, a value without a metavar its option's name (HOST, PORT)."""
    from typer import core

    if getattr(core.TyperOption, "_headroom_types", False):
        return
    shown = core.TyperOption.display_type_rich

    def display_type_rich(self, ctx):
        if self.is_flag or self.count:
            return None
        if self.metavar is None and self.name:
            return self.name.upper() + ("..." if self.nargs != 1 else "")
        return shown(self, ctx)

    def argument_type(self, ctx):
        return self.metavar  # the argument's name is shown already; its type adds nothing

    core.TyperOption.display_type_rich = display_type_rich
    core.TyperArgument.display_type_rich = argument_type
    core.TyperOption._headroom_types = True


def build_app():
    import typer

    _readable_help_types()

    from .._version import __version__

    app = typer.Typer(
        name="headroom",
        help="Cut the tokens AI coding agents send, reversibly: wrap an agent or run a local proxy.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )

    def _version(value: bool):
        if value:
            from . import output

            output.echo(f"headroom {__version__}")
            raise typer.Exit()

    @app.callback()
    def _root(
        version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                     help="Print the version and exit."),
    ):
        """Cut the tokens AI coding agents send, reversibly."""

    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"{__name__}.{name}":
                continue  # command not built yet
            raise
        mod.register(app)
    return app


def program(argv: list[str]) -> int:
    """Run the CLI on argv; return the exit status. HeadroomErrors propagate (main() renders them)."""
    from . import output
    from .exit import ExitStatus

    output.reset()
    app = build_app()
    try:
        rv = app(args=argv, prog_name="headroom", standalone_mode=False)
        if isinstance(rv, int):  # `raise typer.Exit(n)` comes back as a return value here
            return rv
    except SystemExit as e:  # typer.Exit inside standalone_mode=False
        return int(e.code or 0) if not isinstance(e.code, str) else ExitStatus.ERROR
    except Exception as e:
        import click
        import typer

        try:  # typer >= 0.2x vendors click as typer._click: its exceptions are not click's
            from typer._click.exceptions import ClickException as _TyperClickException
        except ImportError:
            _TyperClickException = click.ClickException

        if isinstance(e, (click.exceptions.Exit, typer.Exit)):
            return e.exit_code  # the command's own choice (an ExitStatus, or wrap's agent's code)
        if isinstance(e, (click.exceptions.Abort, typer.Abort)):
            output.echo("Aborted.", err=True)
            return ExitStatus.INTERRUPTED
        if isinstance(e, (click.ClickException, _TyperClickException)):
            e.show()  # click's usage message; its exit_code is 2 for usage errors (ExitStatus.USAGE)
            return e.exit_code
        raise
    return ExitStatus.OK


def main(argv: list[str] | None = None) -> int:
    from .exit import ExitStatus

    own_process = argv is None
    if own_process:  # the process's own command line: the process ends when main() returns
        import atexit

        atexit.register(_skip_final_collections)
    argv = sys.argv[1:] if argv is None else argv
    if os.environ.get("_HEADROOM_COMPLETE"):  # TAB in a shell: see cli/complete.py
        from .complete import complete_from_env

        return int(complete_from_env())
    if argv in (["--version"], ["-V"]):  # fast path: no typer import
        from .._version import __version__
        from . import output

        output.echo(f"headroom {__version__}")
        return int(ExitStatus.OK)
    from ..errors import HeadroomError
    from .exit import status_for

    try:
        code = program(argv)
    except HeadroomError as e:
        from . import output

        output.error(str(e), e.hint)
        code = status_for(e)
    except KeyboardInterrupt:
        code = ExitStatus.INTERRUPTED
    if own_process:
        from . import ending

        ending.finish(int(code))  # returns unless a command asked for os._exit (wrap: see ending.py)
    return int(code)


def _skip_final_collections() -> None:
    """At interpreter exit the cyclic collector walks every object left (~0.25 s once aiohttp and the
    tokenizer are loaded), the largest part of `wrap`'s exit after the agent's. Objects are still freed
    by reference counting; cycles left at exit need no collecting."""
    import gc

    gc.disable()
    gc.freeze()
