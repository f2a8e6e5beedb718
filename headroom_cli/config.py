"""Every setting, default, environment variable and user directory in one place.

Other modules read settings through `get(name)` and directories through `paths()`; the README's
configuration table is generated from `SETTINGS` (`python -m headroom_cli.config`), so adding a
setting here documents it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

APP_NAME = "headroom"
# The distribution (`pip install headroom-proxy`); the command is `headroom`, the import `headroom_cli`.
DIST_NAME = "headroom-proxy"

ANTHROPIC_API = "https://api.anthropic.com"
OPENAI_API = "https://api.openai.com/v1"
CHATGPT_CODEX_API = "https://chatgpt.com/backend-api/codex"

# Header that marks requests headroom already forwarded (loop guard) and the opt-out header.
HOP_HEADER = "x-headroom-hop"
BYPASS_HEADER = "x-headroom-bypass"

# Name of the model-facing retrieval tool (CLI.md) and of the MCP server wrap registers.
RETRIEVE_TOOL = "headroom_retrieve"
MCP_SERVER_NAME = "headroom"


@dataclass(frozen=True)
class Setting:
    name: str  # config key (also the key in config.toml)
    env: str  # environment variable
    default: Any
    help: str
    parse: Callable[[str], Any] = str


def _bool(v: str) -> bool:
    return v.strip().lower() in {"1", "true", "yes", "on"}


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("anthropic_upstream", "HEADROOM_ANTHROPIC_UPSTREAM", ANTHROPIC_API,
                "Where Anthropic Messages traffic is forwarded."),
        Setting("openai_upstream", "HEADROOM_OPENAI_UPSTREAM", OPENAI_API,
                "Where OpenAI Chat/Responses traffic is forwarded (include /v1)."),
        Setting("host", "HEADROOM_HOST", "127.0.0.1", "Address `headroom proxy` binds."),
        Setting("port", "HEADROOM_PORT", 8787, "Port `headroom proxy` binds.", int),
        Setting("max_body_bytes", "HEADROOM_MAX_BODY_BYTES", 64 * 1024 * 1024,
                "Hard request-body limit; larger bodies get HTTP 413.", int),
        Setting("compress_max_bytes", "HEADROOM_COMPRESS_MAX_BYTES", 16 * 1024 * 1024,
                "Bodies larger than this pass through uncompressed.", int),
        Setting("no_compress", "HEADROOM_NO_COMPRESS", False, "Disable compression (pure passthrough).", _bool),
        Setting("compress_ratio", "HEADROOM_COMPRESS_RATIO", 0.3,
                "Share of a block's tokens lossy compressors aim to keep.", float),
        Setting("cache_ttl", "HEADROOM_CACHE_TTL", None,
                "Lifetime in seconds of stored originals (default: `headroom cache --ttl`, else 86400).", int),
        Setting("cache_max_bytes", "HEADROOM_CACHE_MAX_BYTES", 512 * 1024 * 1024,
                "Byte cap of the store of originals; oldest entries are evicted first.", int),
        Setting("log_level", "HEADROOM_LOG_LEVEL", "WARNING", "Log level of headroom's own log."),
        Setting("debug", "HEADROOM_DEBUG", False, "Debug logging (never includes credentials).", _bool),
    ]
}

DEFAULT_CACHE_TTL = 86400


def get(name: str, env: dict[str, str] | None = None) -> Any:
    """A setting's value: environment variable, else the user config file, else the default."""
    s = SETTINGS[name]
    env = os.environ if env is None else env
    raw = env.get(s.env)
    if raw not in (None, ""):
        try:
            return s.parse(raw)
        except ValueError as e:
            from .errors import UsageError

            raise UsageError(f"{s.env}={raw!r} is not a valid value for {name}: {e}") from None
    file_val = user_config().get(name)
    if file_val is not None:
        return file_val
    return s.default


@dataclass(frozen=True)
class Paths:
    data_dir: Path  # ledger, learned rules
    cache_dir: Path  # store of originals
    config_dir: Path  # config.toml, extra launcher profiles, price overrides
    state_dir: Path  # cleanup journals
    runtime_dir: Path  # session registry

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"


def paths() -> Paths:
    """User directories. `HEADROOM_HOME` puts all of them under one folder (tests, portable installs);
    each can also be set on its own (`HEADROOM_DATA_DIR`, …)."""
    home = os.environ.get("HEADROOM_HOME")
    if home:
        base = Path(home)
        defaults = {k: base / k for k in ("data", "cache", "config", "state", "runtime")}
    else:
        import platformdirs

        d = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        import warnings

        with warnings.catch_warnings():  # no XDG_RUNTIME_DIR (containers, ssh): its /tmp fallback is fine
            warnings.simplefilter("ignore")
            runtime = Path(d.user_runtime_dir)
        defaults = {
            "data": Path(d.user_data_dir),
            "cache": Path(d.user_cache_dir),
            "config": Path(d.user_config_dir),
            "state": Path(d.user_state_dir),
            "runtime": runtime,
        }
    def pick(key: str) -> Path:
        v = os.environ.get(f"HEADROOM_{key.upper()}_DIR")
        return Path(v) if v else defaults[key]

    return Paths(pick("data"), pick("cache"), pick("config"), pick("state"), pick("runtime"))


def ensure_dir(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True, mode=0o700)
    return p


def user_config() -> dict[str, Any]:
    """The user's config.toml (missing file → empty). Keys are the names in SETTINGS."""
    f = paths().config_file
    try:
        text = f.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return {}
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        return tomllib.loads(text)
    except Exception as e:  # a broken config file is the user's to fix: say where
        from .errors import UsageError

        raise UsageError(f"{f}: invalid TOML: {e}") from None


def set_user_config(key: str, value: Any) -> None:
    """Persist one top-level scalar key in config.toml, keeping other keys."""
    cfg = dict(user_config())
    cfg[key] = value
    f = paths().config_file
    ensure_dir(f.parent)
    lines = []
    for k, v in sorted(cfg.items()):
        if isinstance(v, bool):
            lines.append(f"{k} = {'true' if v else 'false'}")
        elif isinstance(v, (int, float)):
            lines.append(f"{k} = {v}")
        elif isinstance(v, str):
            import json

            lines.append(f"{k} = {json.dumps(v)}")
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")


def settings_table_markdown() -> str:
    rows = ["| key | environment variable | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS.values():
        rows.append(f"| `{s.name}` | `{s.env}` | `{s.default}` | {s.help} |")
    for key in ("home", "data", "cache", "config", "state", "runtime"):
        env = "HEADROOM_HOME" if key == "home" else f"HEADROOM_{key.upper()}_DIR"
        rows.append(f"| – | `{env}` | platformdirs | {'All user directories under one folder' if key == 'home' else key + ' directory'} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table_markdown())
