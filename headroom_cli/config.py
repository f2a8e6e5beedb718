"""Every setting, default, environment variable and user directory in one place.

Other modules read settings through `get(name)` and directories through `paths()`; the README's
configuration table is generated from `SETTINGS` (`python -m headroom_cli.cli.regen readme --write`), so adding a
setting here documents it.
"""
from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NamedTuple

from .errors import ConfigError

APP_NAME = "headroom"
# The distribution (`pip install headroom-proxy`); the command is `headroom`, the import `headroom_cli`.
DIST_NAME = "headroom-proxy"

ANTHROPIC_API = "https://api.anthropic.com"
OPENAI_API = "https://api.openai.com/v1"
GEMINI_API = "https://generativelanguage.googleapis.com"  # the client path carries /v1beta
CHATGPT_CODEX_API = "https://chatgpt.com/backend-api/codex"

# Header that marks requests headroom already forwarded (loop guard) and the opt-out header.
HOP_HEADER = "x-headroom-hop"
BYPASS_HEADER = "x-headroom-bypass"

# Name of the model-facing retrieval tool (CLI.md) and of the MCP server wrap registers.
RETRIEVE_TOOL = "headroom_retrieve"
MCP_SERVER_NAME = "headroom"
# The variable `wrap` hands the proxy's secret to the agent in (never its command line); the agent's
# MCP registration expands it into `Authorization: Bearer …`.
PROXY_SECRET_ENV = "HEADROOM_PROXY_SECRET"
# Who owns what a request stores when no gateway user sent it: every single-user path (storage/).
LOCAL_USER = "local"
# A team gateway's user token in a header (agents with custom headers; headroom_cli/gateway/tokens.py), and the
# variable `wrap --gateway` reads it from.
GATEWAY_TOKEN_HEADER = "X-Headroom-Token"
GATEWAY_TOKEN_ENV = "HEADROOM_GATEWAY_TOKEN"


class Rule(NamedTuple):
    """A value rule: `ok(value)`, else the value `must` … (the hint says what a good value does)."""
    ok: Callable[[Any], bool]
    must: str
    hint: str = ""


_PORT = Rule(lambda v: 0 <= v <= 65535, "must be 0–65535", "0 picks a free port")
_RATIO = Rule(lambda v: 0.0 < v <= 1.0, "must be in (0, 1]", "0.3 keeps about 30 % of a compressible tool result")
_POSITIVE = Rule(lambda v: v > 0, "must be positive")
_NOT_NEGATIVE = Rule(lambda v: v >= 0, "must be 0 or more")

_EXPECTED = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Setting:
    name: str  # config key (also the key in config.toml)
    env: str  # environment variable
    default: Any
    help: str
    kind: type = str  # str, int, float or bool: what config.toml holds and the variable is parsed as
    flag: str | None = None  # the command-line flag this setting is the default of
    rule: Rule | None = None
    example: Any = None  # a valid value for hints, when the default is None

    def parse(self, raw: str) -> Any:
        """A variable's text as this setting's type (ValueError if it is not one)."""
        if self.kind is bool:
            word = raw.strip().lower()
            if word not in _TRUE | _FALSE:
                raise ValueError(raw)
            return word in _TRUE
        return self.kind(raw.strip()) if self.kind in (int, float) else raw

    def from_env(self, raw: str) -> Any:
        """The value of `self.env=raw`, or a ConfigError naming the variable and the flag it stands for."""
        target = self.flag or self.name
        fix = f"fix or unset {self.env}" + (f", or pass {self.flag} (the flag beats the variable)" if self.flag else "")
        try:
            value = self.parse(raw)
        except ValueError:
            raise ConfigError(f"{self.env}={raw!r} is not valid for {target}: expected {_EXPECTED[self.kind]}",
                              hint=f"{fix}; e.g. {self.env}={_text(self._example(), toml=False)}") from None
        if self.rule and not self.rule.ok(value):
            raise ConfigError(f"{self.env}={raw!r} is out of range for {target}: {self.rule.must}",
                              hint=fix + (f"; {self.rule.hint}" if self.rule.hint else ""))
        return value

    def problem(self, value: Any) -> tuple[str, str] | None:
        """What is wrong with `value` in config.toml, and a hint (None: nothing)."""
        shown = f"{self.name} = {_text(value)}"
        ok_type = (isinstance(value, self.kind) if self.kind is not float else isinstance(value, (int, float)))
        if isinstance(value, bool) and self.kind is not bool:
            ok_type = False  # TOML's true is not a number
        if not ok_type:
            return (f"{shown} is {_toml_type(value)}, expected {_EXPECTED[self.kind]}",
                    f"e.g. {self.name} = {_text(self._example())}")
        if self.rule and not self.rule.ok(value):
            return f"{shown} {self.rule.must}", self.rule.hint
        return None

    def _example(self) -> Any:
        return self.example if self.example is not None else self.default


def _text(v: Any, toml: bool = True) -> str:
    """A value as it is written in config.toml (or, toml=False, in a variable), shortened."""
    if isinstance(v, bool):
        t = ("true" if v else "false") if toml else ("1" if v else "0")
    elif isinstance(v, str) and toml:
        t = json.dumps(v)
    else:
        t = str(v)
    return t if len(t) <= 60 else t[:57] + "…"


def _toml_type(v: Any) -> str:
    for t, word in ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"),
                    (dict, "a table"), (list, "an array")):
        if isinstance(v, t):
            return word
    return "a date/time"


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("anthropic_upstream", "HEADROOM_ANTHROPIC_UPSTREAM", ANTHROPIC_API,
                "Where Anthropic Messages traffic is forwarded.", flag="--anthropic-upstream"),
        Setting("openai_upstream", "HEADROOM_OPENAI_UPSTREAM", OPENAI_API,
                "Where OpenAI Chat/Responses traffic is forwarded (include /v1).", flag="--openai-upstream"),
        Setting("gemini_upstream", "HEADROOM_GEMINI_UPSTREAM", GEMINI_API,
                "Where Gemini API traffic is forwarded (without /v1beta).", flag="--gemini-upstream"),
        Setting("host", "HEADROOM_HOST", "127.0.0.1", "Address `headroom proxy` binds.", flag="--host"),
        Setting("port", "HEADROOM_PORT", 8787, "Port `headroom proxy` binds.", int, "--port", _PORT),
        Setting("max_body_bytes", "HEADROOM_MAX_BODY_BYTES", 64 * 1024 * 1024,
                "Hard request-body limit; larger bodies get HTTP 413.", int, rule=_POSITIVE),
        Setting("compress_max_bytes", "HEADROOM_COMPRESS_MAX_BYTES", 16 * 1024 * 1024,
                "Bodies larger than this pass through uncompressed.", int, rule=_POSITIVE),
        Setting("no_compress", "HEADROOM_NO_COMPRESS", False, "Disable compression (pure passthrough).", bool,
                "--no-compress"),
        Setting("compress_ratio", "HEADROOM_COMPRESS_RATIO", 0.3,
                "Share of a block's tokens lossy compressors aim to keep.", float, "--compress-ratio", _RATIO),
        Setting("cache_ttl", "HEADROOM_CACHE_TTL", None,
                "Lifetime in seconds of stored originals (default: `headroom cache --ttl`, else 86400); a proxy "
                "reads it when it starts.", int,
                "--cache-ttl", _POSITIVE, example=86400),
        Setting("cache_max_bytes", "HEADROOM_CACHE_MAX_BYTES", 512 * 1024 * 1024,
                "Byte cap of the store of originals; oldest entries are evicted first.", int, rule=_POSITIVE),
        Setting("drain_timeout", "HEADROOM_DRAIN_TIMEOUT", 30.0,
                "On SIGTERM or Ctrl-C, seconds `headroom proxy` lets requests in flight finish.", float,
                "--drain-timeout", _NOT_NEGATIVE),
        Setting("drain_delay", "HEADROOM_DRAIN_DELAY", 0.0,
                "On SIGTERM, seconds `headroom proxy` keeps accepting while /healthz answers 503 (for balancers "
                "that route by health checks only).", float, rule=_NOT_NEGATIVE),
        Setting("store", "HEADROOM_STORE", "",
                "Where originals, the ledger, learned rules and gateway tokens live: empty for the files in the "
                "user dirs (SQLite), or a postgresql:// URL for a team's shared store.", flag="--store",
                example="postgresql://headroom@db.example/headroom"),
        Setting("durable_records", "HEADROOM_DURABLE_RECORDS", False,
                "`headroom proxy` commits each request's ledger row before the answer ends (several instances "
                "on one store: a killed instance loses no answered request's row).", bool),
        Setting("log_level", "HEADROOM_LOG_LEVEL", "WARNING", "Log level of headroom's own log."),
        Setting("debug", "HEADROOM_DEBUG", False, "Debug logging (never includes credentials).", bool),
        # A team gateway (README "A team gateway"): `headroom proxy` in gateway mode, and `wrap --gateway`.
        Setting("gateway_auth", "HEADROOM_GATEWAY_AUTH", False,
                "Gateway mode: every request needs a user's token (on by itself beyond loopback).", bool,
                "--gateway-auth"),
        Setting("allow_hosts", "HEADROOM_ALLOW_HOSTS", "",
                "Gateway mode: comma-separated host names the gateway answers to (its Host check).",
                flag="--allow-host", example="gw.example"),
        Setting("gateway_token", GATEWAY_TOKEN_ENV, None,
                "`wrap --gateway`: your gateway token (from `headroom team add`).", flag="--token",
                example="hrt_…"),
    ]
}

DEFAULT_CACHE_TTL = 86400


def get(name: str, env: dict[str, str] | None = None) -> Any:
    """A setting's value: environment variable, else the user config file, else the default.
    A bad value in either is a ConfigError (the file is checked whole, see `user_config`)."""
    s = SETTINGS[name]
    env = os.environ if env is None else env
    raw = env.get(s.env)
    if raw not in (None, ""):
        return s.from_env(raw)
    cfg = user_config()
    return cfg[name] if name in cfg else s.default


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
        defaults = _platform_defaults()

    def pick(key: str) -> Path:
        v = os.environ.get(f"HEADROOM_{key.upper()}_DIR")
        return Path(v) if v else defaults[key]

    return Paths(pick("data"), pick("cache"), pick("config"), pick("state"), pick("runtime"))


# What platformdirs' answers depend on. They cost ~0.3 ms a call and the proxy asks on every request (the store
# of originals, its TTL), so they are kept per value of these variables.
_PLATFORM_ENV = ("HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
                 "APPDATA", "LOCALAPPDATA", "USERPROFILE")
_platform_cache: dict[tuple, dict[str, Path]] = {}


def _platform_defaults() -> dict[str, Path]:
    key = tuple(os.environ.get(v) for v in _PLATFORM_ENV)
    hit = _platform_cache.get(key)
    if hit is None:
        import platformdirs

        d = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        import warnings

        with warnings.catch_warnings():  # no XDG_RUNTIME_DIR (containers, ssh): its /tmp fallback is fine
            warnings.simplefilter("ignore")
            runtime = Path(d.user_runtime_dir)
        hit = _platform_cache[key] = {
            "data": Path(d.user_data_dir),
            "cache": Path(d.user_cache_dir),
            "config": Path(d.user_config_dir),
            "state": Path(d.user_state_dir),
            "runtime": runtime,
        }
    return hit


def ensure_dir(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True, mode=0o700)
    return p


# (file, text, values) of the last config.toml read: settings are read many times, the file rarely changes.
_checked: tuple[Path, str, dict[str, Any]] | None = None


def user_config() -> dict[str, Any]:
    """The user's config.toml (missing file → empty), checked: keys are the names in SETTINGS, values
    their types and ranges. Any problem is a ConfigError naming the file, every bad key and the fix."""
    global _checked
    f = paths().config_file
    try:
        data = f.read_bytes()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{f}: not UTF-8 text ({e.reason} at byte {e.start})",
                          hint="save the file as UTF-8") from None
    if _checked is None or _checked[:2] != (f, text):
        _checked = (f, text, check_config_text(f, text))
    return dict(_checked[2])


def check_config_text(f: Path, text: str) -> dict[str, Any]:
    """config.toml's values (a float setting given as an integer becomes a float), or a ConfigError."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        raw = tomllib.loads(text)
    except Exception as e:  # a broken config file is the user's to fix: say where
        raise ConfigError(f"{f}: invalid TOML: {e}", hint=f"fix the line it names in {f}") from None
    values: dict[str, Any] = {}
    problems: list[tuple[str, str, str]] = []  # (key, what is wrong, hint)
    for key, value in raw.items():
        s = SETTINGS.get(key)
        if s is None:
            close = difflib.get_close_matches(key, SETTINGS, n=1)
            problems.append((key, f"unknown key {key}", f"did you mean {close[0]}?" if close
                             else f"the keys are: {', '.join(SETTINGS)}"))
        elif (bad := s.problem(value)) is not None:
            problems.append((key, *bad))
        else:
            values[key] = float(value) if s.kind is float else value
    if problems:
        # With several problems each hint says which key it is about.
        hints = [(f"{key}: {hint}" if len(problems) > 1 else hint) for key, _, hint in problems if hint]
        raise ConfigError(f"{f}: " + "; ".join(p[1] for p in problems), hint="; ".join(hints) or None)
    return values


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
