"""Fake agent CLIs for `headroom wrap` tests (stdlib only: runs under any python3).

Invoked through the executables next to this file (`claude`, `codex`, `copilot`, `aider`, `openclaw`),
it reads exactly the environment and arguments the real agent reads to find its provider (docs/ARCHITECTURE.md §10)
and runs a two-turn conversation: a prompt, the provider answers with a tool call, the agent sends
the tool result back, the provider answers with text.

Modes (env FAKE_AGENT_MODE): `chat` (default), `exit:N`, `signal:N` (kill itself with signal N),
`sleep` (wait for a signal; with `FAKE_AGENT_TRAP=1` it catches SIGINT/SIGTERM/SIGHUP, records it and
exits 128+n), `env` (report only). Every mode writes a JSON report to FAKE_AGENT_OUT (if set):
argv, env, what it resolved, what it received.
"""
from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
import urllib.request

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    tomllib = None

AGENT = os.path.basename(sys.argv[0])
ARGS = sys.argv[1:]
REPORT: dict = {"agent": AGENT, "argv": ARGS, "pid": os.getpid(), "env": {
    k: v for k, v in os.environ.items()
    if k.startswith(("ANTHROPIC", "OPENAI", "CLAUDE", "ENABLE_", "CODEX", "COPILOT", "OPENCLAW", "HEADROOM"))}}

TOOL_OUTPUT = "\n".join(
    [f"2026-11-24T10:{i // 60:02d}:{i % 60:02d}Z INFO worker-3 processed batch {i} ok in {i % 17} ms"
     for i in range(240)]
    + ["2026-11-24T10:04:00Z ERROR worker-3 batch 240 failed: disk quota exceeded (needle-7f3a)"]
)


def report() -> None:
    out = os.environ.get("FAKE_AGENT_OUT")
    if out:
        with open(out + ".tmp", "w") as f:
            json.dump(REPORT, f)
        os.replace(out + ".tmp", out)


def opt(names, args=ARGS, multi=False):
    vals = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            break
        for n in names:
            if a == n and i + 1 < len(args):
                vals.append(args[i + 1])
                i += 1
                break
            if a.startswith(n + "="):
                vals.append(a[len(n) + 1:])
                break
        i += 1
    return vals if multi else (vals[-1] if vals else None)


# -- where each agent sends its requests ----------------------------------------------------------
def claude_target():
    env_base = os.environ.get("ANTHROPIC_BASE_URL")
    base, src = env_base, "env"
    home = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(os.environ.get("HOME", "/"), ".claude")
    # settings files' env block beats the process env; --settings beats both (checked with 2.1.330)
    for path in (os.path.join(home, "settings.json"), ".claude/settings.json", ".claude/settings.local.json"):
        try:
            with open(path) as f:
                b = (json.load(f).get("env") or {}).get("ANTHROPIC_BASE_URL")
            if b:
                base, src = b, path
        except (OSError, ValueError):
            pass
    raw = opt(["--settings"])
    if raw:
        s = json.loads(raw) if raw.lstrip().startswith("{") else json.load(open(raw))
        if (s.get("env") or {}).get("ANTHROPIC_BASE_URL"):
            base, src = s["env"]["ANTHROPIC_BASE_URL"], "--settings"
        REPORT["settings"] = s
    REPORT["mcp_config"] = [json.loads(v) for v in opt(["--mcp-config"], multi=True) if v.startswith("{")]
    headers = {"anthropic-version": "2023-06-01", "x-api-key": os.environ.get("ANTHROPIC_API_KEY", "")}
    # ANTHROPIC_CUSTOM_HEADERS: "Name: value" lines sent with every API request
    for line in os.environ.get("ANTHROPIC_CUSTOM_HEADERS", "").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip()] = value.strip()
    return "anthropic", (base or "https://api.anthropic.com").rstrip("/") + "/v1/messages?beta=true", headers, src


def codex_target():
    # OPENAI_BASE_URL is ignored by current Codex; the provider comes from config.toml or -c overrides.
    cfg = {}
    home = os.environ.get("CODEX_HOME") or os.path.join(os.environ.get("HOME", "/"), ".codex")
    try:
        with open(os.path.join(home, "config.toml"), "rb") as f:
            cfg = tomllib.load(f)
    except OSError:
        pass
    for ov in opt(["-c", "--config"], multi=True):
        key, _, val = ov.partition("=")
        try:
            v = tomllib.loads("v = " + val)["v"]
        except Exception:
            v = val
        d = cfg
        parts = key.split(".")
        for p in parts[:-1]:
            d = d.setdefault(p, {})
        d[parts[-1]] = v
    name = cfg.get("model_provider", "openai")
    prov = (cfg.get("model_providers") or {}).get(name) or {}
    REPORT["codex_provider"] = {"name": name, **prov}
    REPORT["mcp_servers"] = cfg.get("mcp_servers") or {}
    base = prov.get("base_url") or "https://api.openai.com/v1"
    key = os.environ.get(prov.get("env_key") or "OPENAI_API_KEY", "")
    headers = {"authorization": f"Bearer {key}", **(prov.get("http_headers") or {})}
    headers.update({k: os.environ.get(v, "") for k, v in (prov.get("env_http_headers") or {}).items()
                    if os.environ.get(v)})  # a provider's header whose value a variable holds
    return "openai_responses", base.rstrip("/") + "/responses", headers, name


def copilot_target():
    base = os.environ.get("COPILOT_PROVIDER_BASE_URL")
    key = os.environ.get("COPILOT_PROVIDER_API_KEY", "")
    model = opt(["--model"]) or os.environ.get("COPILOT_MODEL")
    REPORT["model"] = model
    if not base:
        print("copilot: not logged in", file=sys.stderr)
        sys.exit(1)
    if (os.environ.get("COPILOT_PROVIDER_TYPE") or "openai") == "anthropic":
        return "anthropic", base.rstrip("/") + "/v1/messages", {"x-api-key": key, "anthropic-version": "2023-06-01"}, "byok"
    wire = os.environ.get("COPILOT_PROVIDER_WIRE_API", "completions")
    path = "/responses" if wire == "responses" else "/chat/completions"
    proto = "openai_responses" if wire == "responses" else "openai_chat"
    return proto, base.rstrip("/") + path, {"authorization": f"Bearer {key}"}, "byok"


def aider_target():
    model = opt(["--model"]) or "openai/gpt-4o"
    if model.startswith("anthropic/"):
        base = os.environ.get("ANTHROPIC_BASE_URL") or "https://api.anthropic.com"
        return "anthropic", base.rstrip("/") + "/v1/messages", {"x-api-key": os.environ.get("ANTHROPIC_API_KEY", ""), "anthropic-version": "2023-06-01"}, "env"
    base = opt(["--openai-api-base"]) or os.environ.get("OPENAI_API_BASE") or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
    return "openai_chat", base.rstrip("/") + "/chat/completions", {"authorization": "Bearer " + os.environ.get("OPENAI_API_KEY", "")}, "env"


def openclaw_target():
    path = opt(["--config"]) or os.environ.get("OPENCLAW_CONFIG_PATH") or os.path.join(
        os.environ.get("OPENCLAW_STATE_DIR") or os.path.join(os.environ.get("HOME", "/"), ".openclaw"), "openclaw.json")
    REPORT["config_path"] = path
    with open(path) as f:
        cfg = json.load(f)
    REPORT["config"] = cfg
    model = opt(["--model"]) or cfg["agents"]["defaults"]["model"]["primary"]
    pid = model.split("/", 1)[0]
    prov = cfg["models"]["providers"][pid]
    api, base = prov["api"], prov["baseUrl"].rstrip("/")
    key = prov.get("apiKey", "")
    if api == "anthropic-messages":
        return "anthropic", base + "/v1/messages", {"x-api-key": key, "anthropic-version": "2023-06-01"}, pid
    if api == "openai-responses":
        return "openai_responses", base + "/responses", {"authorization": f"Bearer {key}"}, pid
    return "openai_chat", base + "/chat/completions", {"authorization": f"Bearer {key}"}, pid


TARGETS = {"claude": claude_target, "codex": codex_target, "copilot": copilot_target, "aider": aider_target,
           "openclaw": openclaw_target}


# -- the conversation -----------------------------------------------------------------------------
def first_body(proto: str) -> dict:
    prompt = "find the error in the worker log"
    if proto == "anthropic":
        return {"model": "claude-sonnet-4-5", "max_tokens": 512, "stream": True,
                "messages": [{"role": "user", "content": prompt}],
                "tools": [{"name": "Bash", "description": "run", "input_schema": {"type": "object"}}]}
    if proto == "openai_chat":
        return {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": prompt}],
                "tools": [{"type": "function", "function": {"name": "shell", "parameters": {"type": "object"}}}]}
    return {"model": "gpt-5-codex", "stream": True,
            "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": prompt}]}],
            "tools": [{"type": "function", "name": "shell", "parameters": {"type": "object"}}]}


def second_body(proto: str, body: dict, answer: str) -> dict:
    ids = re.findall(r'"((?:toolu|call|fc)_[A-Za-z0-9]+)"', answer)
    call_id = ids[0] if ids else "call_1"
    b = json.loads(json.dumps(body))
    if proto == "anthropic":
        b["messages"] += [
            {"role": "assistant", "content": [{"type": "tool_use", "id": call_id, "name": "Bash", "input": {"command": "cat worker.log"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call_id, "content": TOOL_OUTPUT}]}]
    elif proto == "openai_chat":
        b["messages"] += [
            {"role": "assistant", "content": None, "tool_calls": [{"id": call_id, "type": "function", "function": {"name": "shell", "arguments": "{\"cmd\": \"cat worker.log\"}"}}]},
            {"role": "tool", "tool_call_id": call_id, "content": TOOL_OUTPUT}]
    else:
        b["input"] += [
            {"type": "function_call", "call_id": call_id, "name": "shell", "arguments": "{\"cmd\": \"cat worker.log\"}"},
            {"type": "function_call_output", "call_id": call_id, "output": TOOL_OUTPUT}]
    return b


def post(url: str, headers: dict, body: dict) -> tuple[int, str]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


# -- MCP: the servers registered for this run, reached as the real agents reach them -------------
def expand(value: str) -> str:
    """Claude Code's ${VAR} / ${VAR:-default} expansion in an MCP server's url and headers (an unset
    variable without a default stays as written)."""
    def one(m):
        name, _, default = m.group(1).partition(":-")
        return os.environ.get(name, default if ":-" in m.group(1) else m.group(0))
    return re.sub(r"\$\{([^}]+)\}", one, value)


def mcp_servers() -> list[tuple[str, dict]]:
    """(url, headers) of each HTTP MCP server this agent was given."""
    out = []
    if AGENT == "claude":
        for cfg in REPORT.get("mcp_config", []):
            for srv in (cfg.get("mcpServers") or {}).values():
                if srv.get("type") == "http":
                    out.append((expand(srv["url"]), {k: expand(v) for k, v in (srv.get("headers") or {}).items()}))
    elif AGENT == "codex":
        for srv in (REPORT.get("mcp_servers") or {}).values():
            if srv.get("url"):  # streamable HTTP: bearer_token_env_var, http_headers, env_http_headers
                h = dict(srv.get("http_headers") or {})
                h.update({k: os.environ.get(v, "") for k, v in (srv.get("env_http_headers") or {}).items()})
                if srv.get("bearer_token_env_var"):
                    h["Authorization"] = "Bearer " + os.environ.get(srv["bearer_token_env_var"], "")
                out.append((srv["url"], h))
    return out


def mcp_probe() -> None:
    """List the tools of the first MCP server (as an agent does at start-up); for the tests, the same
    call without its headers too."""
    servers = mcp_servers()
    if not servers:
        return
    url, headers = servers[0]
    listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    accept = {"accept": "application/json, text/event-stream"}
    status, answer = post(url, {**accept, **headers}, listing)
    try:
        tools = [t["name"] for t in json.loads(answer)["result"]["tools"]]
    except (ValueError, KeyError, TypeError):
        tools = []
    REPORT["mcp"] = {"status": status, "tools": tools, "without_secret": post(url, accept, listing)[0]}


def chat() -> int:
    proto, url, headers, src = TARGETS[AGENT]()
    REPORT.update(protocol=proto, url=url, source=src)
    mcp_probe()
    body = first_body(proto)
    s1, a1 = post(url, headers, body)
    s2, a2 = post(url, headers, second_body(proto, body, a1))
    REPORT["statuses"] = [s1, s2]
    REPORT["answers"] = [a1[:4000], a2[:4000]]
    report()
    print(f"{AGENT}: done ({s1}, {s2})")
    return 0 if s1 == 200 and s2 == 200 else 1


def main() -> int:
    mode = os.environ.get("FAKE_AGENT_MODE", "chat")
    if ARGS[:1] == ["--version"]:
        print(f"{AGENT} 0.0.0-fake")
        return 0
    if mode == "env":
        report()
        return 0
    if mode.startswith("exit:"):
        report()
        return int(mode.split(":")[1])
    if mode.startswith("signal:"):
        report()
        os.kill(os.getpid(), int(mode.split(":")[1]))
        time.sleep(5)
        return 99
    if mode == "sleep":
        if os.environ.get("FAKE_AGENT_TRAP") == "1":
            def trap(signum, _frame):
                REPORT["got_signal"] = signum
                report()
                os._exit(128 + signum)
            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(s, trap)
        REPORT["sleeping"] = True
        report()
        for _ in range(600):  # bounded: 60 s at most
            time.sleep(0.1)
        return 98
    return chat()


if __name__ == "__main__":
    sys.exit(main())
