"""`headroom learn`: mine past agent sessions into rules for CLAUDE.md / AGENTS.md."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("learn")
    def learn(
        session_id: Optional[str] = typer.Option(None, "--session-id", help="Learn from this one session only."),
        all_failures: bool = typer.Option(False, "--all-failures",
                                          help="Every session of the project, however old (default: the last 14 days)."),
        since: Optional[str] = typer.Option(None, "--since", help="Only sessions active since: 14d, 12h, 2w or a date."),
        project: Optional[Path] = typer.Option(None, "--project", help="Project folder (default: current directory); "
                                               "its sessions are read and its CLAUDE.md/AGENTS.md written."),
        agent: str = typer.Option("all", "--agent", help="Sessions of: claude, codex or all."),
        diff: bool = typer.Option(False, "--diff", help="Show what --apply would change, as a unified diff."),
        apply: bool = typer.Option(False, "--apply", help="Write the rules into the managed section of the files."),
        target: Optional[str] = typer.Option(None, "--target", help="Files to write: claude (CLAUDE.md), agents "
                                             "(AGENTS.md) or both (default: follows --agent)."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
        claude_home: Optional[Path] = typer.Option(None, "--claude-home", help="Claude Code's folder (default ~/.claude)."),
        codex_home: Optional[Path] = typer.Option(None, "--codex-home",
                                                  help="Codex's folder (default $CODEX_HOME or ~/.codex)."),
        forget: Optional[list[str]] = typer.Option(None, "--forget", help="Drop a rule (its text or key) for "
                                                   "good; repeatable. Combine with --apply to update the files."),
        llm: bool = typer.Option(False, "--llm", help="Ask your own provider to phrase the rules (needs an API key; off "
                                 "by default)."),
        share: bool = typer.Option(False, "--share", help="Contribute this repository's rules to your team (through "
                                   "the gateway with your token; without one, to the local store)."),
        gateway: Optional[str] = typer.Option(None, "--gateway", metavar="URL",
                                              help="The team gateway for --share and --apply (default: config "
                                                   "gateway_url)."),
        token: Optional[str] = typer.Option(None, "--token", help="Your gateway token (better: env "
                                            "HEADROOM_GATEWAY_TOKEN or config gateway_token)."),
        repo: Optional[str] = typer.Option(None, "--repo", metavar="URL", help="The repository the team's rules are "
                                           "kept under (default: the project's git remote)."),
        no_team: bool = typer.Option(False, "--no-team", help="--diff/--apply: this machine's rules only."),
    ):
        """Find mistakes agents corrected in past sessions and turn them into short rules."""
        from ..errors import UsageError
        from ..learn import run, writer

        if session_id and all_failures:
            raise UsageError("--session-id and --all-failures pick sessions differently; give one of them")
        from ..learn.sources import check_agent  # agents whose profile has [transcripts]

        check_agent(agent)
        targets = writer.targets_for(target) if target else None
        proj = (project or Path.cwd()).expanduser()
        if (diff or apply) and not proj.is_dir():
            raise UsageError(f"--project {proj}: not a folder", hint="the rules are written into that folder")
        if llm:
            from ..learn import phrasing

            phrasing.check_available()
        from ..learn.rules import RuleStore
        from ..storage import open_store

        rules = RuleStore(data=open_store().rules())  # the configured store's (HEADROOM_STORE), else the data dir's
        forgotten = []
        if forget:
            from ..errors import NotFound

            forgotten = rules.forget(forget)
            if not forgotten:
                raise NotFound("no stored rule matches " + ", ".join(repr(f) for f in forget),
                               hint="give the rule's text as listed by `headroom learn`, or its key from --json")
        homes = {"claude": claude_home, "codex": codex_home}  # the two --*-home options
        result = run.learn(project=proj, agent=agent, session_id=session_id, all_failures=all_failures, since=since,
                           homes=homes, targets=targets, store=rules)
        if llm and result.found:
            from ..learn import phrasing

            phrasing.rephrase(result.found, store=rules)
            result = run.learn(project=proj, agent=agent, session_id=session_id, all_failures=all_failures,
                               since=since, homes=homes, targets=targets, store=rules)
        shared = None
        if share or ((diff or apply) and not no_team):
            from ..learn import repo as repos
            from ..learn import share as sharing

            where = sharing.team_for(gateway, token)
            which = repos.normalize_remote(repo) if repo else repos.normalize_remote(repos.remote_of(proj))
            if share:
                if not which:
                    repos.repo_of(proj)  # raises: no remote to share the rules under
                shared = sharing.share(where, which, result.rules)
            if (diff or apply) and not no_team and which:
                result.team = sharing.fetch(where, which)
                result.changes = writer.plan(Path(result.project), result.rules,
                                             targets or run.default_targets(agent), team=result.team)
            if shared is not None:
                shared = {**shared, "where": where.describe()}
        written = writer.apply(result.changes) if apply else []
        if forgotten and not as_json:
            from rich.markup import escape

            from . import output

            for r in forgotten:
                output.show(f"forgot: {escape(r.text)}", highlight=False, soft_wrap=True)
        if as_json:
            _print_json(result, diff=diff, apply=apply, written=written, forgotten=forgotten, shared=shared)
        else:
            if shared is not None:
                _print_shared(shared)
            if not (share and not (diff or apply)):
                _print_human(result, diff=diff, apply=apply, written=written)


def _print_shared(shared: dict) -> None:
    from rich.markup import escape

    from . import output

    n, new, ev = shared.get("rules", 0), shared.get("new_rules", 0), shared.get("new_evidence", 0)
    output.show(escape(f"shared {n} rule{'s' if n != 1 else ''} of {shared.get('repo')} with {shared.get('where')} "
                       f"as {shared.get('contributor')}: {new} new to the team, {ev} new piece"
                       f"{'s' if ev != 1 else ''} of evidence"), highlight=False, soft_wrap=True)


def _print_json(result, *, diff: bool, apply: bool, written: list, forgotten: list, shared: dict | None = None
                ) -> None:
    import json

    out = {
        "project": result.project,
        "sessions": [{"agent": s.agent, "session_id": s.session_id, "path": str(s.path), "started": s.started,
                      "ended": s.ended, "skipped_lines": s.skipped_lines} for s in result.sessions],
        "rules": [r.to_json() for r in result.found],
        "project_rules": len(result.rules),
    }
    if diff or apply:
        root = Path(result.project)
        out["files"] = [{"path": str(c.path), "changed": c.changed, **({"diff": c.diff(root)} if diff else {})}
                        for c in result.changes]
    if apply:
        out["written"] = [str(p) for p in written]
    if forgotten:
        out["forgotten"] = [r.key for r in forgotten]
    if shared is not None:
        out["shared"] = shared
    if result.team:
        out["team_rules"] = [r.key for r in result.team]
    from .output import echo

    echo(json.dumps(out, indent=2, ensure_ascii=False))


def _print_human(result, *, diff: bool, apply: bool, written: list) -> None:
    from . import output

    con = output.printer(highlight=False, soft_wrap=True)
    n = len(result.sessions)
    if not (diff or apply):
        _print_rules(con, result)
        return
    if n == 0 and not result.rules and not result.team:
        con.print(_no_sessions(result))
        return
    root = Path(result.project)
    if diff:
        text = "".join(c.diff(root) for c in result.changes)
        if text:
            # the diff goes out verbatim (no markup, no wrapping) so it can be piped to `patch`/`git apply`
            output.echo(text, end="", flush=True)
        elif not apply:
            con.print("no changes")
    if apply:
        if written:
            local = {r.key for r in result.rules}
            t = sum(1 for r in result.team if r.key not in local)
            extra = f" and {t} of your team's" if t else ""
            for p in written:
                con.print(f"wrote {len(result.rules)} rule{'s' if len(result.rules) != 1 else ''}{extra} to {p}")
        else:
            con.print("no changes")


def _no_sessions(result) -> str:
    return (f"No agent sessions found for {result.project}. Run `headroom learn` inside a project you used "
            "Claude Code or Codex in, or pass --project/--claude-home/--codex-home (and --all-failures for "
            "sessions older than 14 days).")


def _print_rules(con, result) -> None:
    from rich.markup import escape
    from rich.table import Table

    if not result.sessions:
        con.print(_no_sessions(result))
        return
    n = len(result.sessions)
    if not result.found:
        con.print(f"No lessons found in {n} session{'s' if n != 1 else ''}: no failure there was later "
                  "corrected, and no correction from you.")
        return
    t = Table("#", "rule", "seen", "sessions", "example", box=None, header_style="bold", show_lines=False)
    for i, r in enumerate(result.found, 1):
        ex = r.example
        if "quote" in ex:
            q = ex["quote"]
            example = escape(f"you said: “{q if len(q) <= 100 else q[:99].rstrip() + '…'}”")
        else:
            example = escape(f"{ex.get('failed', '')}  →  {ex.get('fixed', '')}")
            if ex.get("error"):
                example += f"\n[dim]{escape(ex['error'][:100])}[/]"
        t.add_row(str(i), escape(r.text), f"{r.count}×", _sessions_cell(r), example)
    con.print(t)
    con.print(f"\n{len(result.found)} rule{'s' if len(result.found) != 1 else ''} from {n} "
              f"session{'s' if n != 1 else ''}. Preview with [bold]--diff[/], write with [bold]--apply[/].")


def _sessions_cell(rule) -> str:
    agents = ", ".join(rule.agents)
    k = len(rule.sessions)
    return f"{k} ({agents})"
