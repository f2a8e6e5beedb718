"""Agent profiles: `launchers/*.toml` → `Profile`. Everything about an agent that is data lives here.

The TOML files ship inside the wheel as `headroom_cli/_data/launchers` (hatch force-include); an
editable install finds them in the repo's `launchers/`. Users may add or override profiles in
`config.paths().config_dir / "launchers"`. Adding an agent is one TOML file, plus at most one hook in
`builders.py` for launch behaviour that must be computed (a profile without `builder` uses the generic
env/args templates). Sections beyond launching:

    [mcp_install]   how `headroom mcp install|uninstall` registers the stdio MCP server with the agent
    [transcripts]   where `headroom learn` finds the agent's past sessions, and which reader parses them

Every field is type-checked when the file is read: a bad profile is a UsageError naming the file and
the field.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .. import config
from ..errors import AgentNotFound, UsageError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


@dataclass(frozen=True)
class Home:
    """An agent's own folder: the directory in `$env` when that is set, else `default` (`~` expanded)."""

    default: str
    env: str = ""

    def path(self, environ: Mapping[str, str] | None = None) -> Path:
        environ = os.environ if environ is None else environ
        value = environ.get(self.env) if self.env else None
        return Path(value) if value else Path(self.default).expanduser()

    def describe(self) -> str:
        return f"${self.env} or {self.default}" if self.env else self.default


@dataclass(frozen=True)
class McpInstall:
    """`[mcp_install]`: either the agent's own commands (`add`/`remove`, the arguments after its binary;
    `list` is suggested when one fails), or a JSON config file headroom edits reversibly (`config_file`
    inside `home`, our entry under `servers_key`). Templates: `{server}` (the server name), `{serve}`
    (the command that starts `headroom mcp serve`, spliced in as several arguments), and in `entry`
    `{command}` / `{args}` (that command's executable / its arguments as a list)."""

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    list: tuple[str, ...] = ()
    config_file: str = ""
    home: Home | None = None
    servers_key: str = "mcpServers"
    entry: dict = field(default_factory=dict)

    @property
    def edits_file(self) -> bool:
        return bool(self.config_file)

    def config_path(self, environ: Mapping[str, str] | None = None) -> Path:
        assert self.home is not None
        return self.home.path(environ) / self.config_file


@dataclass(frozen=True)
class Transcripts:
    """`[transcripts]`: the agent's past sessions under `home`/`dir`, parsed by `reader` (a format in
    `learn/readers.py`); `learn --apply` writes the rules to `rules_target` (`claude`: CLAUDE.md,
    `agents`: AGENTS.md)."""

    reader: str
    home: Home
    dir: str
    rules_target: str


@dataclass(frozen=True)
class Profile:
    name: str
    binary: str
    install: str = ""
    display: str = ""
    version_args: tuple[str, ...] = ("--version",)
    protocols: tuple[str, ...] = ()
    builder: str = "generic"
    mcp: bool = False  # wrap registers its per-run MCP server (HTTP, on the proxy) with the agent
    # How the model sees the MCP retrieve tool (markers name it so), and extra marker words for agents
    # that may defer MCP tools (Claude Code loads them through ToolSearch): in every marker when set.
    mcp_marker_tool: str = ""
    mcp_deferred_hint: str = ""
    env: dict[str, str] = field(default_factory=dict)  # values are templates ({base_url}, …)
    env_default: dict[str, str] = field(default_factory=dict)  # set only when the user has not
    # Why: every variable wrap may set for this agent (profile templates and the builder's own), one line each;
    # the README's table is generated from these and a test checks every plan sets only documented ones.
    env_notes: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()  # per-run args placed before the user's (templates too)
    upstream_env: dict[str, tuple[str, ...]] = field(default_factory=dict)  # protocol family → env vars
    # First arguments that start a maintenance command, not a session (`claude mcp list`): `wrap` runs the
    # agent directly for those (see `starts_no_session`).
    plain_subcommands: frozenset[str] = frozenset()
    # Flags that make the agent print something and exit (`--version`, `--help`): anywhere before a bare `--`.
    plain_flags: frozenset[str] = frozenset()
    env_prefixes: tuple[str, ...] = ()  # the agent's own variables (`wrap --dry-run` lists them)
    # A file the agent writes when it has been set up for this user (`[setup] file`, in `home`): without it the
    # agent's first-run onboarding talks to its provider directly, not through headroom, and `wrap` says so.
    setup_file: str = ""
    setup_home: Home | None = None
    # `[gateway]`: how `wrap --gateway` hands the agent its user's token. "prefix": in the base URL's path
    # (`https://gw/t/<token>`: any agent that takes a base URL); "header": in X-Headroom-Token, through
    # `header_env` (a variable of `Name: value` lines the agent sends as headers) or, without one, its builder.
    gateway_token: str = "prefix"
    gateway_header_env: str = ""
    mcp_install: McpInstall | None = None  # `headroom mcp install` (the stdio server, for good)
    transcripts: Transcripts | None = None  # `headroom learn`
    source: str = ""  # where the profile was loaded from

    @property
    def title(self) -> str:
        return self.display or self.name


def builtin_dirs() -> list[Path]:
    """The packaged launchers (wheel) and the repo's `launchers/` (editable install)."""
    out: list[Path] = []
    try:
        from importlib.resources import files

        d = files("headroom_cli") / "_data" / "launchers"
        if d.is_dir():
            out.append(Path(str(d)))
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    repo = Path(__file__).resolve().parents[2] / "launchers"
    if repo.is_dir():
        out.append(repo)
    return out


def user_dir() -> Path:
    return config.paths().config_dir / "launchers"


# -- reading and checking one file ---------------------------------------------------------------
class _Fields:
    """Typed access to one TOML table; every mistake names the file and the field."""

    def __init__(self, path: Path, data: dict, where: str = ""):
        self.path, self.data, self.where = path, data, where

    def fail(self, key: str, what: str) -> UsageError:
        return UsageError(f"{self.path}: launcher profile field `{self.where}{key}` {what}",
                          hint="fix or remove that profile (see the built-in ones in `launchers/`)")

    def text(self, key: str, default: str = "", *, required: bool = False) -> str:
        v = self.data.get(key)
        if v is None or (required and v == ""):
            if required:
                raise self.fail(key, "is required")
            return default
        if not isinstance(v, str):
            raise self.fail(key, f"must be a string, not {type(v).__name__}")
        return v

    def flag(self, key: str, default: bool = False) -> bool:
        v = self.data.get(key, default)
        if not isinstance(v, bool):
            raise self.fail(key, f"must be true or false, not {v!r}")
        return v

    def texts(self, key: str, default: tuple[str, ...] = (), *, scalar_ok: bool = False) -> tuple[str, ...]:
        v = self.data.get(key)
        if v is None:
            return default
        if scalar_ok and isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.fail(key, "must be a list of strings")
        return tuple(v)

    def table(self, key: str, known: tuple[str, ...] | None = None) -> _Fields | None:
        v = self.data.get(key)
        if v is None:
            return None
        if not isinstance(v, dict):
            raise self.fail(key, f"must be a table, not {type(v).__name__}")
        sub = _Fields(self.path, v, f"{self.where}{key}.")
        if known is not None:
            for k in v:
                if k not in known:
                    raise sub.fail(k, f"is not known (known: {', '.join(known)})")
        return sub

    def str_map(self, key: str) -> dict[str, str]:
        t = self.table(key)
        if t is None:
            return {}
        for k, v in t.data.items():
            if not isinstance(v, (str, int, float, bool)):  # numbers and booleans read as their text
                raise t.fail(k, "must be a string")
        return {str(k): str(v) for k, v in t.data.items()}

    def home(self) -> Home:
        return Home(default=self.text("home", required=True), env=self.text("home_env"))


_MCP_KEYS = ("add", "remove", "list", "config_file", "home", "home_env", "servers_key", "entry")
_TRANSCRIPT_KEYS = ("reader", "home", "home_env", "dir", "rules_target")


def _mcp_install(f: _Fields) -> McpInstall | None:
    t = f.table("mcp_install", _MCP_KEYS)
    if t is None:
        return None
    if t.data.get("config_file") is not None:
        for k in ("add", "remove", "list"):
            if k in t.data:
                raise t.fail(k, "cannot be combined with `config_file` (headroom edits that file itself)")
        entry = t.table("entry")
        if entry is None:
            raise t.fail("entry", "is required with `config_file` (the server entry headroom writes)")
        return McpInstall(config_file=t.text("config_file", required=True), home=t.home(),
                          servers_key=t.text("servers_key", "mcpServers", required=True), entry=dict(entry.data))
    for k in ("home", "home_env", "servers_key", "entry"):
        if k in t.data:
            raise t.fail(k, "only goes with `config_file`")
    add, remove = t.texts("add"), t.texts("remove")
    if not add:
        raise t.fail("add", "is required (the agent's arguments that register a server), or give `config_file`")
    if not remove:
        raise t.fail("remove", "is required (the agent's arguments that remove a server)")
    return McpInstall(add=add, remove=remove, list=t.texts("list"))


def _transcripts(f: _Fields) -> Transcripts | None:
    t = f.table("transcripts", _TRANSCRIPT_KEYS)
    if t is None:
        return None
    # `reader` and `rules_target` are names known to learn/ (checked there: learn/sources.py)
    return Transcripts(reader=t.text("reader", required=True), home=t.home(), dir=t.text("dir", required=True),
                       rules_target=t.text("rules_target", required=True))


GATEWAY_TOKEN_WAYS = ("prefix", "header")


def _gateway(f: _Fields) -> dict:
    t = f.table("gateway", ("token", "header_env"))
    if t is None:
        return {}
    way = t.text("token", "prefix")
    if way not in GATEWAY_TOKEN_WAYS:
        raise t.fail("token", f"must be one of {', '.join(GATEWAY_TOKEN_WAYS)}, not {way!r}")
    header_env = t.text("header_env")
    if header_env and way != "header":
        raise t.fail("header_env", 'only goes with token = "header"')
    return {"gateway_token": way, "gateway_header_env": header_env}


def _setup(f: _Fields) -> dict:
    t = f.table("setup", ("file", "home", "home_env"))
    if t is None:
        return {}
    return {"setup_file": t.text("file", required=True), "setup_home": t.home()}


def setup_missing(profile: Profile, environ: Mapping[str, str]) -> Path | None:
    """The agent's set-up file when it is missing (a fresh HOME), else None."""
    if not profile.setup_file or profile.setup_home is None:
        return None
    h = profile.setup_home
    default = h.default.replace("~", environ["HOME"], 1) if h.default.startswith("~") and environ.get("HOME") \
        else h.default
    path = Home(default, h.env).path(environ) / profile.setup_file
    return None if path.exists() else path


def parse(path: Path) -> Profile:
    """One profile file → Profile, or a UsageError naming the file and the field."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"{path}: cannot read launcher profile: {e}") from None
    f = _Fields(path, data)
    up_table = f.table("upstream_env")
    up = {k: up_table.texts(k, scalar_ok=True) for k in up_table.data} if up_table else {}
    return Profile(
        name=f.text("name") or path.stem,
        binary=f.text("binary", required=True),
        install=f.text("install"),
        display=f.text("display"),
        version_args=f.texts("version_args", ("--version",)),
        protocols=f.texts("protocols"),
        builder=f.text("builder", "generic") or "generic",
        mcp=f.flag("mcp"),
        mcp_marker_tool=f.text("mcp_marker_tool"),
        mcp_deferred_hint=f.text("mcp_deferred_hint"),
        env=f.str_map("env"),
        env_default=f.str_map("env_default"),
        env_notes=f.str_map("env_notes"),
        args=f.texts("args"),
        upstream_env=up,
        plain_subcommands=frozenset(f.texts("plain_subcommands")),
        plain_flags=frozenset(f.texts("plain_flags")),
        env_prefixes=f.texts("env_prefixes"),
        **_setup(f),
        **_gateway(f),
        mcp_install=_mcp_install(f),
        transcripts=_transcripts(f),
        source=str(path),
    )


def all_profiles() -> dict[str, Profile]:
    """Every known profile by name; user profiles override built-in ones of the same name."""
    found: dict[str, Profile] = {}
    for d in [*reversed(builtin_dirs()), user_dir()]:  # later dirs win
        if not d.is_dir():
            continue
        for f in sorted(d.glob("*.toml")):
            p = parse(f)
            found[p.name] = p
    return dict(sorted(found.items()))


def env_prefixes() -> tuple[str, ...]:
    """Every profile's `env_prefixes` (first seen first): the variables that configure some agent."""
    return tuple(dict.fromkeys(x for p in all_profiles().values() for x in p.env_prefixes))


def load(name: str) -> Profile:
    profiles = all_profiles()
    if name not in profiles:
        known = ", ".join(profiles) or "none"
        raise UsageError(f"unknown agent {name!r}", hint=f"known agents: {known} (see `headroom wrap --list`)")
    return profiles[name]


def load_for_mcp_install(name: str) -> Profile:
    """The profile of an agent `headroom mcp install` can register with (one with `[mcp_install]`); a
    UsageError naming those that have it otherwise."""
    profiles = all_profiles()
    ok = [n for n, p in profiles.items() if p.mcp_install is not None]
    choose = f"choose one of: {', '.join(ok) or 'none'}"
    if name not in profiles:
        raise UsageError(f"unknown agent {name!r}", hint=choose)
    p = profiles[name]
    if p.mcp_install is None:
        raise UsageError(f"{p.title}: its profile ({p.source}) has no `mcp_install` section, so headroom "
                         "does not know how to register its MCP server there", hint=choose)
    return p


def starts_no_session(profile: Profile, args: list[str]) -> bool:
    """`claude --version`, `claude mcp list`: a command that starts no chat session, so `wrap` runs the agent
    directly (no proxy, no banner, no summary). The profile's `plain_subcommands` (first argument) and
    `plain_flags` (any argument before a bare `--`) say which."""
    if args and args[0] in profile.plain_subcommands:
        return True
    for a in args:
        if a == "--":
            break
        if a in profile.plain_flags:
            return True
    return False


def which(binary: str, path: str | None = None) -> str | None:
    """`shutil.which` that skips headroom's own shims (a script `claude` running `headroom wrap claude`)."""
    from .shims import find_real_binary

    return find_real_binary(binary, path=path)


def find_binary(profile: Profile, path: str | None = None) -> str:
    """Absolute path of the agent's executable, or AgentNotFound (exit 127) with the install command."""
    exe = which(profile.binary, path)
    if not exe:
        raise AgentNotFound(
            f"{profile.title}: `{profile.binary}` not found on PATH",
            hint=f"install it with: {profile.install}" if profile.install else None,
        )
    return exe


def version(profile: Profile, exe: str, timeout: float = 3.0) -> str:
    """First line the agent prints for its version flag ('' on failure or timeout)."""
    try:
        out = subprocess.run([exe, *profile.version_args], capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return ""
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0][:80] if text else ""


def list_agents(timeout: float = 3.0) -> list[dict]:
    """For `wrap --list`: name, binary path (or None) and version, probed in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    profiles = list(all_profiles().values())
    paths = [which(p.binary) for p in profiles]

    def probe(i: int) -> str:
        return version(profiles[i], paths[i], timeout) if paths[i] else ""

    with ThreadPoolExecutor(max_workers=max(1, len(profiles))) as ex:
        versions = list(ex.map(probe, range(len(profiles))))
    return [
        {"agent": p.name, "display": p.title, "binary": p.binary, "path": exe, "version": v, "install": p.install}
        for p, exe, v in zip(profiles, paths, versions)
    ]
