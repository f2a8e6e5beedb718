"""Agent profiles: `launchers/*.toml` → `Profile`.

The TOML files ship inside the wheel as `headroom_cli/_data/launchers` (hatch force-include); an
editable install finds them in the repo's `launchers/`. Users may add or override profiles in
`config.paths().config_dir / "launchers"`. Adding an agent is a data change plus, at most, one hook
in `builders.py` (a profile without `builder` uses the generic env/args templates).
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config
from ..errors import AgentNotFound, UsageError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


@dataclass(frozen=True)
class Profile:
    name: str
    binary: str
    install: str = ""
    display: str = ""
    version_args: tuple[str, ...] = ("--version",)
    protocols: tuple[str, ...] = ()
    builder: str = "generic"
    mcp: bool = False
    # How the model sees the MCP retrieve tool (markers name it so), and extra marker words used when
    # the agent defers MCP tools (Claude Code with tool search loads them through ToolSearch).
    mcp_marker_tool: str = ""
    mcp_deferred_hint: str = ""
    env: dict[str, str] = field(default_factory=dict)  # values are templates ({base_url}, …)
    env_default: dict[str, str] = field(default_factory=dict)  # set only when the user has not
    args: tuple[str, ...] = ()  # per-run args placed before the user's (templates too)
    upstream_env: dict[str, tuple[str, ...]] = field(default_factory=dict)  # protocol family → env vars
    source: str = ""  # where the profile was loaded from

    @property
    def title(self) -> str:
        return self.display or self.name


def _builtin_dirs() -> list[Path]:
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


def _parse(path: Path) -> Profile:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"{path}: cannot read launcher profile: {e}") from None
    name = str(data.get("name") or path.stem)
    if not data.get("binary"):
        raise UsageError(f"{path}: launcher profile needs `binary`")
    up = {k: tuple(v if isinstance(v, list) else [v]) for k, v in (data.get("upstream_env") or {}).items()}
    return Profile(
        name=name,
        binary=str(data["binary"]),
        install=str(data.get("install", "")),
        display=str(data.get("display", "")),
        version_args=tuple(data.get("version_args", ["--version"])),
        protocols=tuple(data.get("protocols", [])),
        builder=str(data.get("builder", "generic")),
        mcp=bool(data.get("mcp", False)),
        mcp_marker_tool=str(data.get("mcp_marker_tool", "")),
        mcp_deferred_hint=str(data.get("mcp_deferred_hint", "")),
        env={str(k): str(v) for k, v in (data.get("env") or {}).items()},
        env_default={str(k): str(v) for k, v in (data.get("env_default") or {}).items()},
        args=tuple(str(a) for a in data.get("args", [])),
        upstream_env=up,
        source=str(path),
    )


def all_profiles() -> dict[str, Profile]:
    """Every known profile by name; user profiles override built-in ones of the same name."""
    found: dict[str, Profile] = {}
    for d in [*reversed(_builtin_dirs()), user_dir()]:  # later dirs win
        if not d.is_dir():
            continue
        for f in sorted(d.glob("*.toml")):
            p = _parse(f)
            found[p.name] = p
    return dict(sorted(found.items()))


def load(name: str) -> Profile:
    profiles = all_profiles()
    if name not in profiles:
        known = ", ".join(profiles) or "none"
        raise UsageError(f"unknown agent {name!r}", hint=f"known agents: {known} (see `headroom wrap --list`)")
    return profiles[name]


def which(binary: str, path: str | None = None) -> str | None:
    """`shutil.which` that skips headroom's own shims (a script `claude` running `headroom wrap claude`)."""
    from ..shell.resolve import find_real_binary

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
