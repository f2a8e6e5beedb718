"""Regenerate or check the files generated from the code (for developers; tests run the checks):

    python -m headroom_cli.cli.regen completions --write|--check [--dir DIR]   # completions/*
    python -m headroom_cli.cli.regen readme --write|--check                    # README.md sections

The logic lives in shell/completions.py and shell/readme.py; this is their command line.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import output
from .exit import ExitStatus


def completions_main(argv: list[str] | None = None) -> int:
    from ..shell import completions as comp

    ap = argparse.ArgumentParser(prog="python -m headroom_cli.cli.regen completions",
                                 description="Regenerate or check the checked-in completion scripts.")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", action="store_true", help="rewrite completions/* from the code")
    g.add_argument("--check", action="store_true", help="exit 1 if completions/* are out of date")
    ap.add_argument("--dir", type=Path, default=None, help="target directory (default: the repo's completions/)")
    a = ap.parse_args(argv)
    d = a.dir or comp.repo_dir() or Path.cwd() / "completions"
    if a.write:
        changed = comp.write_all(d)
        output.echo("\n".join(f"wrote {p}" for p in changed) or f"{d}: up to date")
        return ExitStatus.OK
    bad = comp.stale(d)
    if bad:
        output.echo(f"{d}: out of date: {', '.join(bad)} (run `{comp.REGEN}`)", err=True)
        return ExitStatus.ERROR
    output.echo(f"{d}: up to date")
    return ExitStatus.OK


def readme_main(argv: list[str] | None = None) -> int:
    from ..shell import readme

    argv = sys.argv[1:] if argv is None else argv
    path = readme.readme_path()
    text = path.read_text(encoding="utf-8")
    new = readme.render(text)
    if "--write" in argv:
        if new != text:
            path.write_text(new, encoding="utf-8")
            output.echo(f"wrote {path}")
        else:
            output.echo(f"{path}: up to date")
        return ExitStatus.OK
    if new != text:
        output.echo(f"{path}: generated sections are stale (run `{readme.REGEN}`)", err=True)
        return ExitStatus.ERROR
    output.echo(f"{path}: up to date")
    return ExitStatus.OK


TARGETS = {"completions": completions_main, "readme": readme_main}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in TARGETS:
        output.echo(f"usage: python -m headroom_cli.cli.regen {{{','.join(TARGETS)}}} --write|--check", err=True)
        return ExitStatus.USAGE
    return int(TARGETS[argv[0]](argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
