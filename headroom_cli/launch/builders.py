"""One argv/env builder per agent (docs/ARCHITECTURE.md §6, §10).

Each builder has `discover(ctx)` → {family: (url, source)} (the user's gateway found in the agent's
own configuration, chained as upstream) and `build(ctx, upstreams, draft)` (fills the `Draft` that
plan.py merges with its one rule). Profiles without a hook use `Generic` (env/args templates only).
Only behaviour lives here (reading the agent's own config, merging with the user's flags); what is
data about an agent (env templates, variables, subcommands, MCP install, transcripts) is in its profile.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .. import config
from ..errors import HeadroomError, UsageError
from .context import BuildContext, Draft
from .profiles import Profile
from .upstream import Upstreams, is_anthropic_api, looks_like_jwt

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

RETRIEVE_PERMISSION = f"mcp__{config.MCP_SERVER_NAME}__{config.RETRIEVE_TOOL}"
# Claude Code (2.1.33x) keeps a Bash output inline up to its `bashOutputMaxChars` setting (default 30,000, clamped
# to 4,000-128,000); past it the output goes to a file and the model gets a 2 KB preview it must Read back. While
# compressing, wrap raises it to this cap: measured on real sessions the model then got half the tokens with
# every needle in the command's own result (README, "Real sessions"). A cap, so a protected or fail-open output
# can take at most ~16 K tokens. BASH_MAX_OUTPUT_LENGTH alone does not change this limit (it sizes the read-back).
CLAUDE_INLINE_OUTPUT_CHARS = 64_000


# -- small helpers -------------------------------------------------------------------------------
def take_option(args: list[str], *names: str) -> tuple[str | None, list[str], int]:
    """Find `--name VALUE` or `--name=VALUE` (last one wins). Returns (value, args without it, index
    where it was, -1 if absent). Stops at a bare `--`."""
    value, out, at = None, [], -1
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            out.extend(args[i:])
            break
        hit = next((n for n in names if a == n or a.startswith(n + "=")), None)
        if hit is not None:
            at = len(out)
            if a == hit:
                value = args[i + 1] if i + 1 < len(args) else ""
                i += 2
            else:
                value = a[len(hit) + 1:]
                i += 1
            continue
        out.append(a)
        i += 1
    return value, out, at


def read_json_file(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def deep_merge(base: Any, over: Any) -> Any:
    """Dicts merge recursively, lists are unioned (base first), other values: `over` wins."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = deep_merge(base[k], v) if k in base else v
        return out
    if isinstance(base, list) and isinstance(over, list):
        return base + [x for x in over if x not in base]
    return over


def toml_value(v: Any) -> str:
    """Render a value as TOML (inline tables for dicts) for Codex `-c key=value`."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(k)}={toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot render {type(v).__name__} as TOML")


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def loads_json5(text: str) -> Any:
    """JSON, or the JSON5 subset people write in config files: comments, trailing commas, bare keys,
    single-quoted strings."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":  # copy a string, normalising to double quotes
            j, buf = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j:j + 2])
                    j += 2
                    continue
                buf.append('\\"' if text[j] == '"' else text[j])
                j += 1
            out.append('"' + "".join(buf).replace("\\'", "'") + '"')
            i = j + 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            out.append(c)
            i += 1
    s = "".join(out)
    s = re.sub(r",(\s*[}\]])", r"\1", s)
    s = re.sub(r'([{,]\s*)([A-Za-z_$][\w$-]*)(\s*:)', r'\1"\2"\3', s)
    return json.loads(s)


def claude_settings_files(env: dict[str, str], cwd: Path) -> list[tuple[Path, str]]:
    """Claude Code settings files (path, label), highest precedence first (managed, local, project, user)."""
    cfg = Path(env.get("CLAUDE_CONFIG_DIR") or Path(env.get("HOME", "~")).expanduser() / ".claude")
    return [
        (Path("/etc/claude-code/managed-settings.json"), "managed settings"),
        (cwd / ".claude" / "settings.local.json", ".claude/settings.local.json"),
        (cwd / ".claude" / "settings.json", ".claude/settings.json"),
        (cfg / "settings.json", str(cfg / "settings.json")),
    ]


# -- builders ------------------------------------------------------------------------------------
class Generic:
    def discover(self, ctx: BuildContext) -> dict[str, tuple[str, str]]:
        return {}

    def build(self, ctx: BuildContext, ups: Upstreams, draft: Draft) -> None:
        pass


class Claude(Generic):
    def _user_settings(self, ctx: BuildContext) -> tuple[dict | None, str | None]:
        raw, _, _ = take_option(ctx.user_args, "--settings")
        if raw is None:
            return None, None
        if raw.lstrip().startswith("{"):
            try:
                obj = json.loads(raw)
            except ValueError as e:
                raise UsageError(f"claude --settings: invalid JSON: {e}") from None
            return obj, "--settings"
        p = Path(raw).expanduser()
        if not p.is_absolute():
            p = ctx.cwd / p
        obj = read_json_file(p)
        if obj is None:
            raise UsageError(f"claude --settings {raw}: cannot read a JSON object from that file")
        return obj, f"--settings {raw}"

    def _all_settings(self, ctx: BuildContext) -> list[tuple[dict, str]]:
        found = []
        obj, src = self._user_settings(ctx)
        if obj is not None:
            found.append((obj, src))
        for p, label in claude_settings_files(ctx.env, ctx.cwd):
            d = read_json_file(p)
            if d is not None:
                found.append((d, label))
        return found

    def discover(self, ctx: BuildContext) -> dict[str, tuple[str, str]]:
        for d, src in self._all_settings(ctx):
            url = (d.get("env") or {}).get("ANTHROPIC_BASE_URL")
            if isinstance(url, str) and url:
                return {"anthropic": (url, f"{src} env.ANTHROPIC_BASE_URL")}
        return {}

    def build(self, ctx: BuildContext, ups: Upstreams, draft: Draft) -> None:
        all_settings = self._all_settings(ctx)
        user_env = {k: v for d, _ in reversed(all_settings) for k, v in (d.get("env") or {}).items()}
        cloud = [v for v in ("CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY")
                 if str(user_env.get(v, ctx.env.get(v, ""))).lower() in ("1", "true")]
        if cloud:
            draft.notes.append(f"{cloud[0]} is set: Claude Code talks to that cloud directly, not to "
                               "ANTHROPIC_BASE_URL, so headroom will see none of its traffic")
        settings_env = {"ANTHROPIC_BASE_URL": ctx.proxy_url}
        if ("ENABLE_TOOL_SEARCH" not in ctx.env and "ENABLE_TOOL_SEARCH" not in user_env
                and is_anthropic_api(ups.anthropic)):
            # A custom base URL otherwise makes Claude Code load every tool schema eagerly (~25 K
            # tokens); gateways for other models reject deferred tools, hence Anthropic's API only.
            draft.env["ENABLE_TOOL_SEARCH"] = "true"
            settings_env["ENABLE_TOOL_SEARCH"] = "true"
        ours: dict[str, Any] = {"env": settings_env}
        if (ctx.features.compressing and not any("bashOutputMaxChars" in d for d, _ in all_settings)
                and "BASH_MAX_OUTPUT_LENGTH" not in ctx.env and "BASH_MAX_OUTPUT_LENGTH" not in user_env):
            ours["bashOutputMaxChars"] = CLAUDE_INLINE_OUTPUT_CHARS
        if ctx.features.statusline_command and not any("statusLine" in d for d, _ in all_settings):
            ours["statusLine"] = {"type": "command", "command": ctx.features.statusline_command, "padding": 0}
        if ctx.features.mcp_url:
            ours["permissions"] = {"allow": [RETRIEVE_PERMISSION]}
            # Claude Code expands ${VAR} in an MCP server's `headers`: the secret stays in its environment.
            server = {"type": "http", "url": ctx.features.mcp_url,
                      "headers": {"Authorization": f"Bearer ${{{config.PROXY_SECRET_ENV}}}"}}
            mcp = {"mcpServers": {config.MCP_SERVER_NAME: server}}
            # Before --settings: --mcp-config is variadic and must not swallow a positional prompt.
            draft.pre_args += ["--mcp-config", json.dumps(mcp, separators=(",", ":"))]
        user_obj, _ = self._user_settings(ctx)
        merged = deep_merge(user_obj or {}, ours)
        _, rest, _ = take_option(draft.user_args, "--settings")
        draft.user_args = rest
        # Settings `env` beats the process environment in Claude Code, so the base URL goes here too.
        draft.pre_args += ["--settings", json.dumps(merged, separators=(",", ":"))]


class Codex(Generic):
    PROVIDER = "headroom"

    def _home(self, ctx: BuildContext) -> Path:
        return Path(ctx.env.get("CODEX_HOME") or Path(ctx.env.get("HOME", "~")).expanduser() / ".codex")

    def _read(self, path: Path) -> dict:
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise UsageError(f"{path}: cannot read: {e}") from None

    def _config(self, ctx: BuildContext) -> dict:
        return self._read(self._home(ctx) / "config.toml")

    def active_profile(self, ctx: BuildContext, cfg: dict) -> str | None:
        name, _, _ = take_option(ctx.user_args, "-p", "--profile")
        return name or cfg.get("profile")  # `profile =` in config.toml: older Codex versions

    def user_provider(self, ctx: BuildContext, cfg: dict | None = None) -> tuple[str, dict]:
        """(name, table) of the provider the user's Codex config (`cfg`: config.toml, read if not given)
        selects. Profiles: current Codex reads `--profile NAME` from `$CODEX_HOME/NAME.config.toml` over
        config.toml; older versions had `[profiles.NAME]` tables in config.toml."""
        cfg = self._config(ctx) if cfg is None else cfg
        prof_name = self.active_profile(ctx, cfg)
        legacy = (cfg.get("profiles") or {}).get(prof_name or "", {}) if prof_name else {}
        overlay = self._read(self._home(ctx) / f"{prof_name}.config.toml") if prof_name else {}
        name = (overlay.get("model_provider") or legacy.get("model_provider") or cfg.get("model_provider")
                or "openai")
        providers = {**(cfg.get("model_providers") or {}), **(overlay.get("model_providers") or {})}
        return name, dict(providers.get(name) or {})

    def chatgpt_login(self, ctx: BuildContext) -> bool:
        """ChatGPT sign-in (not an API key): the bearer is a JWT for chatgpt.com's codex backend."""
        key = ctx.env.get("OPENAI_API_KEY", "")
        if key:
            return looks_like_jwt(key)
        auth = read_json_file(self._home(ctx) / "auth.json") or {}
        if str(auth.get("auth_mode", "")).lower() in ("chatgpt", "chatgptauthtokens"):
            return True
        return not auth.get("OPENAI_API_KEY") and bool((auth.get("tokens") or {}).get("access_token"))

    def discover(self, ctx: BuildContext) -> dict[str, tuple[str, str]]:
        name, prov = self.user_provider(ctx)
        if prov.get("base_url"):
            return {"openai": (prov["base_url"], f"codex config model_providers.{name}.base_url")}
        if name == "openai" and not ctx.env.get("OPENAI_BASE_URL") and self.chatgpt_login(ctx):
            return {"openai": (config.CHATGPT_CODEX_API, "codex ChatGPT login")}
        return {}

    def build(self, ctx: BuildContext, ups: Upstreams, draft: Draft) -> None:
        cfg = self._config(ctx)
        name, prov = self.user_provider(ctx, cfg)
        table: dict[str, Any] = {"name": "headroom", "base_url": ctx.openai_base_url, "wire_api": "responses"}
        for k in ("query_params", "http_headers", "env_http_headers"):  # e.g. Azure api-version
            if prov.get(k):
                table[k] = prov[k]
        if ctx.gateway is not None and ctx.gateway.header:
            # `wrap --gateway`: Codex sends the token from its environment in X-Headroom-Token (never on argv).
            table["env_http_headers"] = {**(table.get("env_http_headers") or {}),
                                         config.GATEWAY_TOKEN_HEADER: config.GATEWAY_TOKEN_ENV}
            draft.env[config.GATEWAY_TOKEN_ENV] = ctx.gateway.token
        if prov.get("requires_openai_auth") or (name == "openai" and self.chatgpt_login(ctx)):
            table["requires_openai_auth"] = True
        else:
            table["env_key"] = prov.get("env_key") or "OPENAI_API_KEY"
        draft.pre_args += ["-c", f"model_provider={toml_value(self.PROVIDER)}",
                           "-c", f"model_providers.{self.PROVIDER}={toml_value(table)}"]
        prof = self.active_profile(ctx, cfg)
        if prof and prof in (cfg.get("profiles") or {}):
            # older Codex: a [profiles.NAME] model_provider beats the top-level one (-c overrides beat
            # current profile files)
            draft.pre_args += ["-c", f"profiles.{_toml_key(prof)}.model_provider={toml_value(self.PROVIDER)}"]
        if ctx.features.mcp_url:
            # Codex reads the bearer token of a streamable-HTTP server from the variable named here.
            server = f"mcp_servers.{config.MCP_SERVER_NAME}"
            draft.pre_args += ["-c", f"{server}.url={toml_value(ctx.features.mcp_url)}",
                               "-c", f"{server}.bearer_token_env_var={toml_value(config.PROXY_SECRET_ENV)}"]


class Copilot(Generic):
    def _type(self, ctx: BuildContext) -> str:
        return (ctx.env.get("COPILOT_PROVIDER_TYPE") or "openai").lower()

    def discover(self, ctx: BuildContext) -> dict[str, tuple[str, str]]:
        url = ctx.env.get("COPILOT_PROVIDER_BASE_URL")
        if url:
            fam = "anthropic" if self._type(ctx) == "anthropic" else "openai"
            return {fam: (url, "COPILOT_PROVIDER_BASE_URL")}
        return {}

    def build(self, ctx: BuildContext, ups: Upstreams, draft: Draft) -> None:
        anthropic = self._type(ctx) == "anthropic"
        key_vars = ["COPILOT_PROVIDER_API_KEY", "ANTHROPIC_API_KEY" if anthropic else "OPENAI_API_KEY"]
        key_var = next((v for v in key_vars if ctx.env.get(v)), None)
        own_auth = next((v for v in ("COPILOT_PROVIDER_API_KEY_COMMAND", "COPILOT_PROVIDER_BEARER_TOKEN")
                         if ctx.env.get(v)), None)
        if key_var is None and own_auth is None:
            draft.refusals.append(HeadroomError(
                "copilot through headroom runs in bring-your-own-key mode and needs your provider key",
                hint=f"set COPILOT_PROVIDER_API_KEY (or {key_vars[1]}); Copilot's subscription login cannot "
                     "be routed through a local proxy",
            ))
        model, _, _ = take_option(ctx.user_args, "--model")
        model = model or ctx.env.get("COPILOT_MODEL") or ctx.env.get("COPILOT_PROVIDER_WIRE_MODEL")
        if not model or model == "auto":
            draft.refusals.append(HeadroomError("copilot in bring-your-own-key mode needs an explicit model",
                                                hint="set COPILOT_MODEL (e.g. gpt-4.1) or pass `-- --model NAME`"))
            model = None
        draft.env["COPILOT_PROVIDER_BASE_URL"] = ctx.proxy_url if anthropic else ctx.openai_base_url
        if key_var and key_var != "COPILOT_PROVIDER_API_KEY":
            draft.env["COPILOT_PROVIDER_API_KEY"] = ctx.env[key_var]
        if model and not ctx.env.get("COPILOT_MODEL"):
            draft.env["COPILOT_MODEL"] = model
        if (ctx.env.get("COPILOT_PROVIDER_TRANSPORT") or "http").lower() != "http":
            draft.env["COPILOT_PROVIDER_TRANSPORT"] = "http"  # the proxy relays HTTP/SSE
            draft.notes.append("copilot: COPILOT_PROVIDER_TRANSPORT set to http for this run")
        draft.notes.append(f"copilot uses your own provider key ({key_var or own_auth}), "
                           "not your Copilot subscription (BYOK mode)")


class Aider(Generic):
    def discover(self, ctx: BuildContext) -> dict[str, tuple[str, str]]:
        url, _, _ = take_option(ctx.user_args, "--openai-api-base")
        if url:
            return {"openai": (url, "aider --openai-api-base")}
        if ctx.env.get("AIDER_OPENAI_API_BASE"):  # aider reads every flag from AIDER_* too
            return {"openai": (ctx.env["AIDER_OPENAI_API_BASE"], "AIDER_OPENAI_API_BASE")}
        return {}

    def build(self, ctx: BuildContext, ups: Upstreams, draft: Draft) -> None:
        url, rest, at = take_option(draft.user_args, "--openai-api-base")
        if url is not None:  # the flag beats our env var: point it at the proxy too
            draft.user_args = rest[:at] + ["--openai-api-base", ctx.openai_base_url] + rest[at:]
        if ctx.env.get("AIDER_OPENAI_API_BASE"):
            draft.env["AIDER_OPENAI_API_BASE"] = ctx.openai_base_url


class OpenClaw(Generic):
    API_FAMILY = {"anthropic-messages": "anthropic", "openai-completions": "openai",
                  "openai-responses": "openai", "openai-codex-responses": "openai"}
    # Built-in providers and where they live, when the user's config names them without a baseUrl.
    BUILTIN = {"anthropic": ("anthropic-messages", config.ANTHROPIC_API),
               "openai": ("openai-responses", config.OPENAI_API)}

    def config_path(self, ctx: BuildContext) -> Path:
        flag, _, _ = take_option(ctx.user_args, "--config")
        if flag:
            return (ctx.cwd / Path(flag).expanduser())
        if ctx.env.get("OPENCLAW_CONFIG_PATH"):
            return Path(ctx.env["OPENCLAW_CONFIG_PATH"]).expanduser()
        state = ctx.env.get("OPENCLAW_STATE_DIR") or str(Path(ctx.env.get("HOME", "~")).expanduser() / ".openclaw")
        return Path(state) / "openclaw.json"

    def _load(self, ctx: BuildContext) -> dict:
        p = self.config_path(ctx)
        try:
            data = loads_json5(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise UsageError(f"{p}: cannot read OpenClaw config: {e}") from None
        return data if isinstance(data, dict) else {}

    def _primary(self, ctx: BuildContext, cfg: dict) -> str:
        model, _, _ = take_option(ctx.user_args, "--model")
        if not model:
            m = ((cfg.get("agents") or {}).get("defaults") or {}).get("model")
            model = m.get("primary") if isinstance(m, dict) else m
        return str(model or "anthropic/x").split("/", 1)[0]

    def _routes(self, ctx: BuildContext, cfg: dict) -> dict[str, tuple[str, str, str]]:
        """provider id → (family, api, original baseUrl) for the providers this run routes."""
        providers = ((cfg.get("models") or {}).get("providers") or {})
        primary = self._primary(ctx, cfg)
        out = {}
        for pid, p in providers.items():
            if not isinstance(p, dict):
                continue
            api = p.get("api") or self.BUILTIN.get(pid, ("openai-completions", ""))[0]
            fam = self.API_FAMILY.get(api)
            url = p.get("baseUrl") or self.BUILTIN.get(pid, ("", ""))[1]
            if fam and url:
                out[pid] = (fam, api, url)
        if primary not in out and primary in self.BUILTIN:
            api, url = self.BUILTIN[primary]
            out[primary] = (self.API_FAMILY[api], api, url)
        # One upstream per family: the primary provider's wins; others keep going direct.
        chosen: dict[str, str] = {}
        for pid in sorted(out, key=lambda k: k != primary):
            fam, _, url = out[pid]
            chosen.setdefault(fam, url.rstrip("/"))
        return {pid: v for pid, v in out.items() if v[2].rstrip("/") == chosen[v[0]]}

    def discover(self, ctx: BuildContext) -> dict[str, tuple[str, str]]:
        cfg = self._load(ctx)
        found = {}
        for pid, (fam, _api, url) in self._routes(ctx, cfg).items():
            if pid in ((cfg.get("models") or {}).get("providers") or {}) and url:
                found.setdefault(fam, (url, f"openclaw models.providers.{pid}.baseUrl"))
        return found

    def build(self, ctx: BuildContext, ups: Upstreams, draft: Draft) -> None:
        cfg = self._load(ctx)
        routes = self._routes(ctx, cfg)
        derived = json.loads(json.dumps(cfg))  # deep copy
        providers = derived.setdefault("models", {}).setdefault("providers", {})
        for pid, (fam, api, _url) in routes.items():
            p = providers.setdefault(pid, {"api": api, "models": []})
            p["baseUrl"] = ctx.proxy_url if fam == "anthropic" else ctx.openai_base_url
        all_ids = [k for k, v in providers.items() if isinstance(v, dict)]
        skipped = [k for k in all_ids if k not in routes]
        if skipped:
            draft.notes.append(f"openclaw providers not routed (another upstream): {', '.join(skipped)}")
        text = json.dumps(derived, indent=2)
        draft.derived_files["openclaw.json"] = text
        if ctx.journal is not None:
            path = ctx.journal.write_temp("openclaw.json", text)
            draft.temp_files.append(path)
        else:
            path = Path("<per-run openclaw.json>")
        flag, rest, at = take_option(draft.user_args, "--config")
        if flag is not None:
            draft.user_args = rest[:at] + ["--config", str(path)] + rest[at:]
        draft.env["OPENCLAW_CONFIG_PATH"] = str(path)
        if not ctx.env.get("OPENCLAW_STATE_DIR"):  # keep sessions/credentials where they were
            draft.env["OPENCLAW_STATE_DIR"] = str(self.config_path(ctx).parent)
        args = draft.user_args
        if args[:1] == ["agent"] and args[1:2] != ["exec"] and "--local" not in args:
            draft.user_args = ["agent", "--local", *args[1:]]
        draft.notes.append("openclaw turns run embedded (--local); a running Gateway daemon keeps its own "
                           "config and cannot be rerouted per run")


class Gemini(Generic):
    """Gemini CLI through GOOGLE_GEMINI_BASE_URL with its API-key auth (the only one a local proxy can
    carry: "Login with Google" talks to the Code Assist backend in its own envelope, Vertex AI to
    per-project URLs). With a custom base URL and no auth type in its settings, Gemini CLI 0.61.0 takes
    the auth type "gateway" from the environment, which `gemini -p` refuses (exit 41): then this run
    gets its own GEMINI_CLI_HOME whose `.gemini/` links to the user's, with a copy of their settings
    that selects the API key. Their own files are never edited."""

    AUTH = "gemini-api-key"
    REFUSED = {"oauth-personal": "Login with Google", "cloud-shell": "Cloud Shell credentials",
               "compute-default-credentials": "application default credentials", "vertex-ai": "Vertex AI"}

    def _home(self, ctx: BuildContext) -> Path:
        return Path(ctx.env.get("GEMINI_CLI_HOME") or ctx.env.get("HOME") or "~").expanduser()

    def _system_path(self, ctx: BuildContext) -> Path:
        return Path(ctx.env.get("GEMINI_CLI_SYSTEM_SETTINGS_PATH") or "/etc/gemini-cli/settings.json")

    @staticmethod
    def _read(path: Path) -> dict | None:
        try:
            data = loads_json5(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def read_settings(self, ctx: BuildContext) -> list[dict]:
        """The settings files that decide the auth type, highest precedence first: system, workspace, user."""
        user = self._home(ctx) / ".gemini" / "settings.json"
        files = [self._system_path(ctx), ctx.cwd / ".gemini" / "settings.json", user]
        if ctx.cwd.resolve() == self._home(ctx).resolve():
            files.remove(ctx.cwd / ".gemini" / "settings.json")  # Gemini CLI reads it once, as the user's
        return [d for d in (self._read(f) for f in files) if d is not None]

    @staticmethod
    def auth_of(d: dict) -> tuple[str | None, str | None]:
        auth = ((d.get("security") or {}).get("auth") or {}) if isinstance(d.get("security"), dict) else {}
        auth = auth if isinstance(auth, dict) else {}
        selected = auth.get("selectedType") or d.get("selectedAuthType")  # the latter: older versions
        return (selected if isinstance(selected, str) else None,
                auth.get("enforcedType") if isinstance(auth.get("enforcedType"), str) else None)

    def build(self, ctx: BuildContext, ups: Upstreams, draft: Draft) -> None:
        found = [self.auth_of(d) for d in self.read_settings(ctx)]
        selected = next((s for s, _ in found if s), None)
        enforced = next((e for _, e in found if e), None)
        env = ctx.env
        if str(env.get("GOOGLE_GENAI_USE_GCA", "")).lower() == "true":
            selected = "oauth-personal"
        elif str(env.get("GOOGLE_GENAI_USE_VERTEXAI", "")).lower() == "true":
            selected = "vertex-ai"
        how = self.REFUSED.get(selected or "") or self.REFUSED.get(enforced or "")
        if how:
            why = ("Vertex AI has per-project URLs" if how == "Vertex AI"
                   else "its requests go to the Code Assist backend in an envelope")
            draft.refusals.append(HeadroomError(
                f"gemini through headroom needs its API-key auth; {how} is not supported ({why} that headroom "
                "does not speak)",
                hint="set GEMINI_API_KEY (a key from aistudio.google.com) and select \"Use Gemini API Key\" in "
                     "gemini's /auth, or set security.auth.selectedType to gemini-api-key in ~/.gemini/settings.json"))
            return
        key_var = next((v for v in ("GEMINI_API_KEY", "GOOGLE_API_KEY") if env.get(v)), None)
        if key_var == "GOOGLE_API_KEY":
            draft.env["GEMINI_API_KEY"] = env["GOOGLE_API_KEY"]
        if selected == self.AUTH:
            return  # a key stored by gemini itself (keychain) serves too: nothing to add
        if key_var is None:
            draft.refusals.append(HeadroomError(
                "gemini through headroom needs an API key and none is set",
                hint="set GEMINI_API_KEY (a key from aistudio.google.com)"))
            return
        self._own_home(ctx, draft)

    def _own_home(self, ctx: BuildContext, draft: Draft) -> None:
        real = self._home(ctx)
        user_dir = real / ".gemini"
        ours = self._read(user_dir / "settings.json") or {}
        merged = deep_merge(ours, {"security": {"auth": {"selectedType": self.AUTH}}})
        text = json.dumps(merged, indent=2)
        draft.derived_files[".gemini/settings.json"] = text
        draft.notes.append("gemini: your settings select no auth type, which `gemini -p` refuses behind a base URL; "
                           "this run uses its own GEMINI_CLI_HOME linking to your ~/.gemini with the API key selected "
                           "(set security.auth.selectedType to gemini-api-key in ~/.gemini/settings.json to avoid it)")
        if ctx.journal is None:
            draft.env["GEMINI_CLI_HOME"] = "<per-run folder>"
            return
        home = ctx.journal.private_dir() / "gemini-home"
        gem = home / ".gemini"
        gem.mkdir(parents=True, mode=0o700)
        # What Gemini CLI writes during the run must land in the user's own folder: the folders it writes
        # into exist there before they are linked (a file it would create new would die with this run).
        for sub in ("", "tmp", "history"):
            (user_dir / sub).mkdir(mode=0o700, exist_ok=True)
        for entry in sorted(user_dir.iterdir()):
            if entry.name != "settings.json":
                (gem / entry.name).symlink_to(entry)
        for name in (".env", ".cache"):  # read from its home as well
            if (real / name).exists():
                (home / name).symlink_to(real / name)
        settings = gem / "settings.json"
        settings.write_text(text, encoding="utf-8")
        settings.chmod(0o600)
        draft.env["GEMINI_CLI_HOME"] = str(home)


class OpenCode(Generic):
    """OpenCode: the providers it has built in for Anthropic, OpenAI and Google get the proxy as their
    `baseURL` for this run, and the retrieve tool comes over MCP, both through OPENCODE_CONFIG_CONTENT
    (inline JSON that OpenCode 1.18.33 merges over every config file, a project's `opencode.json` too:
    checked against the loopback fake). The user's files are not edited; an OPENCODE_CONFIG_CONTENT of
    their own is merged with ours. A baseURL their config already gives a provider becomes its upstream."""

    # provider id → (upstream family, the path its SDK's baseURL ends with)
    ROUTES = {"anthropic": ("anthropic", "/v1"), "openai": ("openai", "/v1"), "google": ("gemini", "/v1beta")}

    def _config_files(self, ctx: BuildContext) -> list[Path]:
        """OpenCode's config files, lowest precedence first: global, OPENCODE_CONFIG, the project's."""
        xdg = Path(ctx.env.get("XDG_CONFIG_HOME") or Path(ctx.env.get("HOME") or "~").expanduser() / ".config")
        files = [xdg / "opencode" / n for n in ("config.json", "opencode.json", "opencode.jsonc")]
        if ctx.env.get("OPENCODE_CONFIG"):
            files.append(Path(ctx.env["OPENCODE_CONFIG"]).expanduser())
        files += [ctx.cwd / "opencode.json", ctx.cwd / "opencode.jsonc"]
        return files

    def _own_content(self, ctx: BuildContext) -> dict:
        raw = ctx.env.get("OPENCODE_CONFIG_CONTENT")
        if not raw:
            return {}
        try:
            data = loads_json5(raw)
        except ValueError as e:
            raise UsageError(f"OPENCODE_CONFIG_CONTENT is not valid JSON: {e}") from None
        return data if isinstance(data, dict) else {}

    def _config(self, ctx: BuildContext) -> dict:
        merged: dict = {}
        for f in self._config_files(ctx):
            try:
                data = loads_json5(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict):
                merged = deep_merge(merged, data)
        return deep_merge(merged, self._own_content(ctx))

    def discover(self, ctx: BuildContext) -> dict[str, tuple[str, str]]:
        providers = self._config(ctx).get("provider") or {}
        found = {}
        for pid, (fam, _) in self.ROUTES.items():
            p = providers.get(pid) if isinstance(providers, dict) else None
            url = ((p or {}).get("options") or {}).get("baseURL") if isinstance(p, dict) else None
            if isinstance(url, str) and url:
                found[fam] = (url, f"opencode config provider.{pid}.options.baseURL")
        return found

    def build(self, ctx: BuildContext, ups: Upstreams, draft: Draft) -> None:
        ours: dict[str, Any] = {"provider": {pid: {"options": {"baseURL": ctx.proxy_url + suffix}}
                                             for pid, (_, suffix) in self.ROUTES.items()}}
        if ctx.features.mcp_url:
            # OpenCode expands {env:VAR} in its config: the secret stays in its environment.
            ours["mcp"] = {config.MCP_SERVER_NAME: {
                "type": "remote", "url": ctx.features.mcp_url, "enabled": True,
                "headers": {"Authorization": f"Bearer {{env:{config.PROXY_SECRET_ENV}}}"}}}
        draft.env["OPENCODE_CONFIG_CONTENT"] = json.dumps(deep_merge(self._own_content(ctx), ours),
                                                          separators=(",", ":"))
        providers = self._config(ctx).get("provider") or {}
        others = sorted(k for k in providers if k not in self.ROUTES) if isinstance(providers, dict) else []
        if others:
            draft.notes.append(f"opencode providers not routed through headroom (only anthropic, openai and google "
                               f"are): {', '.join(others)}")


BUILDERS: dict[str, Generic] = {
    "generic": Generic(), "claude": Claude(), "codex": Codex(), "copilot": Copilot(), "aider": Aider(),
    "openclaw": OpenClaw(), "gemini": Gemini(), "opencode": OpenCode(),
}


def get_builder(name: str, source: str = "") -> Generic:
    if name not in BUILDERS:
        where = f"{source}: launcher profile field `builder`" if source else "launcher profile"
        raise UsageError(f"{where} names unknown builder {name!r}",
                         hint=f"known builders: {', '.join(BUILDERS)} (or leave `builder` out: generic)")
    return BUILDERS[name]


def builder_for(profile: Profile) -> Generic:
    return get_builder(profile.builder, profile.source)
