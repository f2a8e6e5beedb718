"""Launch plans per agent: env, argv, upstream chaining, per-run files, masking (no processes run)."""
from __future__ import annotations

import json
import os
import shlex
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from headroom_cli import config
from headroom_cli.cli.exit import status_for
from headroom_cli.errors import AgentNotFound, HeadroomError, UsageError
from headroom_cli.launch import profiles
from headroom_cli.launch.builders import deep_merge, get_builder, loads_json5, take_option, toml_value
from headroom_cli.launch.journal import Journal
from headroom_cli.launch.context import BuildContext, Features
from headroom_cli.launch.plan import build_plan, mask_env, mask_text
from headroom_cli.launch.upstream import looks_like_jwt, resolve

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

PROXY = "http://127.0.0.1:4567"
FAKES = Path(__file__).parent / "fakes" / "agents"


def no_probe(url):  # never a headroom proxy, no network
    return None


def plan_for(agent, args=(), env=None, features=Features(), cwd=None, journal=None, **flags):
    p = profiles.load(agent)
    env = {"HOME": str(Path.home()), "PATH": "/usr/bin", **(env or {})}
    ctx = BuildContext(profile=p, exe=f"/bin/{agent}", user_args=list(args), proxy_url=PROXY,
                       features=features, env=env, cwd=cwd or Path.cwd(), session_id="s1", journal=journal)
    found = get_builder(p.builder).discover(ctx)
    ups = resolve(env, p.upstream_env, found, check=no_probe, **flags)
    return build_plan(ctx, ups)


def settings_arg(plan):
    i = plan.argv.index("--settings")
    return json.loads(plan.argv[i + 1])


def codex_overrides(plan) -> dict:
    out: dict = {}
    for i, a in enumerate(plan.argv):
        if a == "-c":
            k, _, v = plan.argv[i + 1].partition("=")
            out[k] = tomllib.loads("v = " + v)["v"]
    return out


# -- profiles ------------------------------------------------------------------------------------
def test_all_five_profiles_load_with_install_hints():
    ps = profiles.all_profiles()
    assert set(ps) >= {"claude", "codex", "copilot", "aider", "openclaw"}
    for p in ps.values():
        assert p.binary and p.install and p.protocols, p.name


def test_user_profile_adds_an_agent_as_data(tmp_path):
    d = profiles.user_dir()
    d.mkdir(parents=True)
    (d / "myagent.toml").write_text(
        'binary = "myagent"\ninstall = "pip install myagent"\nprotocols = ["openai_chat"]\n'
        'args = ["--api-base", "{openai_base_url}"]\n[env]\nMY_BASE = "{base_url}"\n'
        '[upstream_env]\nopenai = ["MY_BASE"]\n')
    plan = plan_for("myagent", ["hello"], env={"MY_BASE": "https://gw.example/v1"})
    assert plan.argv == ["/bin/myagent", "--api-base", PROXY + "/v1", "hello"]
    assert plan.env["MY_BASE"] == PROXY
    assert plan.upstreams.openai == "https://gw.example/v1"


def test_missing_binary_is_127_with_install_command(tmp_path):
    with pytest.raises(AgentNotFound) as e:
        profiles.find_binary(profiles.load("codex"), path=str(tmp_path))
    assert status_for(e.value) == 127 and "npm i -g @openai/codex" in e.value.hint


def test_unknown_agent_lists_known_ones():
    with pytest.raises(UsageError) as e:
        profiles.load("nope")
    assert "claude" in e.value.hint


# -- Claude --------------------------------------------------------------------------------------
def test_claude_env_and_settings_carry_the_proxy():
    plan = plan_for("claude", ["-p", "list the files", "--allowedTools", "Bash"])
    assert plan.env["ANTHROPIC_BASE_URL"] == PROXY
    assert plan.env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == "1"
    assert plan.env["ENABLE_TOOL_SEARCH"] == "true"  # upstream is Anthropic's API
    s = settings_arg(plan)
    assert s["env"]["ANTHROPIC_BASE_URL"] == PROXY
    assert plan.argv[-4:] == ["-p", "list the files", "--allowedTools", "Bash"]


def test_claude_tool_search_only_for_anthropic_api_and_not_when_user_set_it():
    gw = plan_for("claude", env={"ANTHROPIC_BASE_URL": "https://gateway.example"})
    assert "ENABLE_TOOL_SEARCH" not in gw.env and "ENABLE_TOOL_SEARCH" not in settings_arg(gw)["env"]
    assert gw.upstreams.anthropic == "https://gateway.example"
    mine = plan_for("claude", env={"ENABLE_TOOL_SEARCH": "false"})
    assert mine.env["ENABLE_TOOL_SEARCH"] == "false" and "ENABLE_TOOL_SEARCH" not in mine.env_changes


def test_claude_user_settings_json_is_merged_not_replaced():
    user = {"env": {"ANTHROPIC_BASE_URL": "https://corp-gw.example", "FOO": "1"},
            "permissions": {"allow": ["Bash(ls:*)"]}, "model": "opus"}
    plan = plan_for("claude", ["--settings", json.dumps(user), "-p", "x"],
                    features=Features(mcp_url=PROXY + "/mcp"))
    assert plan.argv.count("--settings") == 1
    s = settings_arg(plan)
    assert s["env"] == {"ANTHROPIC_BASE_URL": PROXY, "FOO": "1"}
    assert s["permissions"]["allow"] == ["Bash(ls:*)", "mcp__headroom__headroom_retrieve"]
    assert s["model"] == "opus"
    assert plan.upstreams.anthropic == "https://corp-gw.example"  # chained, not dropped
    assert "--settings" in plan.upstreams.sources["anthropic"]


def test_claude_user_settings_file_and_settings_json_base_url(tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps({"statusLine": {"type": "command", "command": "mine"}}))
    home_settings = Path.home() / ".claude" / "settings.json"
    home_settings.parent.mkdir()
    home_settings.write_text(json.dumps({"env": {"ANTHROPIC_BASE_URL": "https://from-settings.example"}}))
    plan = plan_for("claude", [f"--settings={f}"], env={"ANTHROPIC_BASE_URL": "https://from-env.example"},
                    features=Features(statusline_command="headroom statusline"))
    s = settings_arg(plan)
    assert s["statusLine"]["command"] == "mine"  # the user's status line stays
    # settings files beat the process env in Claude Code, so they are the user's real upstream
    assert plan.upstreams.anthropic == "https://from-settings.example"


def test_claude_statusline_and_mcp_features():
    plan = plan_for("claude", ["hello"], features=Features(mcp_url=PROXY + "/mcp", statusline_command="hr sl"))
    s = settings_arg(plan)
    assert s["statusLine"] == {"type": "command", "command": "hr sl", "padding": 0}
    i = plan.argv.index("--mcp-config")
    # the proxy's secret by the name of the variable Claude Code expands, never its value (tests/test_proxy_secret.py)
    assert json.loads(plan.argv[i + 1]) == {"mcpServers": {"headroom": {
        "type": "http", "url": PROXY + "/mcp", "headers": {"Authorization": "Bearer ${HEADROOM_PROXY_SECRET}"}}}}
    # --mcp-config is variadic: --settings must follow it so a positional prompt is not swallowed
    assert plan.argv[i + 2] == "--settings" and plan.argv[-1] == "hello"


def test_claude_maintenance_subcommand_gets_env_only():
    plan = plan_for("claude", ["mcp", "list"], features=Features(mcp_url=PROXY + "/mcp"))
    assert plan.argv == ["/bin/claude", "mcp", "list"]
    assert plan.env["ANTHROPIC_BASE_URL"] == PROXY


# -- Codex ---------------------------------------------------------------------------------------
def test_codex_provider_per_run_never_touches_config(tmp_path):
    home = tmp_path / "codexhome"
    home.mkdir()
    cfg = home / "config.toml"
    cfg.write_text('model_provider = "corp"\n[model_providers.corp]\nname = "Corp"\n'
                   'base_url = "https://corp.example/v1"\nenv_key = "CORP_KEY"\nwire_api = "responses"\n'
                   'query_params = { api-version = "2025-04-01" }\n')
    before = cfg.read_bytes()
    plan = plan_for("codex", ["exec", "fix it"], env={"CODEX_HOME": str(home)},
                    features=Features(mcp_url=PROXY + "/mcp"))
    ov = codex_overrides(plan)
    assert ov["model_provider"] == "headroom"
    prov = ov["model_providers.headroom"]
    assert prov["base_url"] == PROXY + "/v1" and prov["wire_api"] == "responses"
    assert prov["env_key"] == "CORP_KEY" and prov["query_params"] == {"api-version": "2025-04-01"}
    assert ov["mcp_servers.headroom.url"] == PROXY + "/mcp"
    assert plan.upstreams.openai == "https://corp.example/v1"
    assert plan.argv[-2:] == ["exec", "fix it"]
    assert cfg.read_bytes() == before


def test_codex_chatgpt_login_goes_to_the_codex_backend(tmp_path):
    home = Path.home() / ".codex"
    home.mkdir()
    (home / "auth.json").write_text(json.dumps({"OPENAI_API_KEY": None, "tokens": {"access_token": "eyJa.b.c"}}))
    plan = plan_for("codex", ["exec", "x"])
    assert plan.upstreams.openai == config.CHATGPT_CODEX_API
    prov = codex_overrides(plan)["model_providers.headroom"]
    assert prov.get("requires_openai_auth") is True and "env_key" not in prov


def test_codex_jwt_in_env_and_api_key():
    jwt = "eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl"
    assert looks_like_jwt(jwt) and not looks_like_jwt("sk-proj-abc")
    assert plan_for("codex", env={"OPENAI_API_KEY": jwt}).upstreams.openai == config.CHATGPT_CODEX_API
    plain = plan_for("codex", env={"OPENAI_API_KEY": "sk-proj-123"})
    assert plain.upstreams.openai == config.OPENAI_API
    assert codex_overrides(plain)["model_providers.headroom"]["env_key"] == "OPENAI_API_KEY"


# -- Copilot -------------------------------------------------------------------------------------
def test_copilot_byok_env_and_banner():
    plan = plan_for("copilot", ["-p", "hi", "--allow-all-tools"],
                    env={"OPENAI_API_KEY": "sk-proj-abcdef123", "COPILOT_MODEL": "gpt-4.1"})
    assert plan.env["COPILOT_PROVIDER_BASE_URL"] == PROXY + "/v1"
    assert plan.env["COPILOT_PROVIDER_API_KEY"] == "sk-proj-abcdef123"
    assert any("your own provider key" in n for n in plan.banner_notes)


def test_copilot_anthropic_type_and_chained_base_url():
    plan = plan_for("copilot", ["--model", "claude-sonnet-4.5"],
                    env={"COPILOT_PROVIDER_TYPE": "anthropic", "COPILOT_PROVIDER_API_KEY": "k",
                         "COPILOT_PROVIDER_BASE_URL": "https://anthropic-gw.example"})
    assert plan.env["COPILOT_PROVIDER_BASE_URL"] == PROXY  # no /v1 for the anthropic type
    assert plan.upstreams.anthropic == "https://anthropic-gw.example"
    assert plan.env["COPILOT_MODEL"] == "claude-sonnet-4.5"


def test_copilot_missing_key_or_model_names_the_variable():
    with pytest.raises(HeadroomError) as e:
        plan_for("copilot", env={"COPILOT_MODEL": "gpt-4.1"})
    assert "COPILOT_PROVIDER_API_KEY" in e.value.hint
    with pytest.raises(HeadroomError) as e:
        plan_for("copilot", env={"OPENAI_API_KEY": "sk-x"})
    assert "COPILOT_MODEL" in e.value.hint


# -- aider ---------------------------------------------------------------------------------------
def test_aider_env_and_api_base_flag_is_chained_and_rewritten():
    plan = plan_for("aider", ["--openai-api-base", "https://llm.corp/v1", "--message", "hi"])
    assert plan.env["OPENAI_API_BASE"] == PROXY + "/v1" and plan.env["ANTHROPIC_BASE_URL"] == PROXY
    assert plan.argv[1:] == ["--openai-api-base", PROXY + "/v1", "--message", "hi"]
    assert plan.upstreams.openai == "https://llm.corp/v1"
    env_chain = plan_for("aider", env={"OPENAI_API_BASE": "https://a.example/v1"})
    assert env_chain.upstreams.openai == "https://a.example/v1"


# -- OpenClaw ------------------------------------------------------------------------------------
OPENCLAW_CFG = """// user's config (JSON5)
{
  agents: { defaults: { model: { primary: 'corp/gpt-x' } } },
  models: {
    providers: {
      corp: { baseUrl: "https://corp.example/v1", api: "openai-completions", apiKey: "sk-corp-secret-1234", },
      other: { baseUrl: "https://elsewhere.example/v1", api: "openai-completions" },
    },
  },
}
"""


def test_openclaw_derived_config_is_temp_and_journaled(tmp_path):
    user_cfg = Path.home() / ".openclaw" / "openclaw.json"
    user_cfg.parent.mkdir()
    user_cfg.write_text(OPENCLAW_CFG)
    j = Journal("s1").begin()
    plan = plan_for("openclaw", ["agent", "-m", "hi"], journal=j)
    path = Path(plan.env["OPENCLAW_CONFIG_PATH"])
    assert path in plan.temp_files and path.exists() and path.stat().st_mode & 0o777 == 0o600
    derived = json.loads(path.read_text())
    assert derived["models"]["providers"]["corp"]["baseUrl"] == PROXY + "/v1"
    assert derived["models"]["providers"]["other"]["baseUrl"] == "https://elsewhere.example/v1"
    assert plan.upstreams.openai == "https://corp.example/v1"
    assert plan.argv[1:] == ["agent", "--local", "-m", "hi"]
    assert any("Gateway" in n for n in plan.banner_notes)
    assert user_cfg.read_text() == OPENCLAW_CFG  # never edited in place
    journal_doc = json.loads(j.path.read_text())
    assert str(path) in [a["path"] for a in journal_doc["actions"]]
    j.cleanup()
    assert not path.exists() and not j.path.exists()


def test_json5_subset():
    assert loads_json5(OPENCLAW_CFG)["models"]["providers"]["corp"]["api"] == "openai-completions"
    assert loads_json5('{"a": "x // not a comment", b: [1, 2,],}') == {"a": "x // not a comment", "b": [1, 2]}


# -- upstream chaining and loops -----------------------------------------------------------------
def test_upstream_precedence_flag_then_agent_config_then_env_then_setting(monkeypatch):
    env = {"ANTHROPIC_BASE_URL": "https://env.example"}
    up = {"anthropic": ("ANTHROPIC_BASE_URL",)}
    assert resolve(env, up, check=no_probe).anthropic == "https://env.example"
    assert resolve(env, up, {"anthropic": ("https://cfg.example", "cfg")}, check=no_probe).anthropic == \
        "https://cfg.example"
    assert resolve(env, up, {"anthropic": ("https://cfg.example", "cfg")}, anthropic="https://flag.example",
                   check=no_probe).anthropic == "https://flag.example"
    assert resolve({}, up, check=no_probe).anthropic == config.ANTHROPIC_API
    assert resolve({"HEADROOM_ANTHROPIC_UPSTREAM": "https://hr-setting.example"}, up,
                   check=no_probe).anthropic == "https://hr-setting.example"


class _Health(BaseHTTPRequestHandler):
    body = b'{"ok": true, "service": "headroom"}'

    def do_GET(self):
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(self.body if self.path == "/healthz" else b"{}")

    def log_message(self, *a):
        pass


@pytest.fixture
def health_server():
    srv = HTTPServer(("127.0.0.1", 0), _Health)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_a_headroom_proxy_upstream_is_not_chained_to(health_server):
    ups = resolve({"ANTHROPIC_BASE_URL": health_server}, {"anthropic": ("ANTHROPIC_BASE_URL",)})
    assert ups.anthropic == config.ANTHROPIC_API
    assert any("headroom proxy" in n for n in ups.notes)


def test_a_headroom_proxy_that_names_its_upstream_is_skipped_over(health_server, monkeypatch):
    monkeypatch.setattr(_Health, "body", b'{"service": "headroom", "anthropic_upstream": "https://gw.example"}')
    ups = resolve({"ANTHROPIC_BASE_URL": health_server}, {"anthropic": ("ANTHROPIC_BASE_URL",)})
    assert ups.anthropic == "https://gw.example"


def test_a_plain_loopback_gateway_is_chained(health_server, monkeypatch):
    monkeypatch.setattr(_Health, "body", b'{"status": "ok"}')
    ups = resolve({"OPENAI_BASE_URL": health_server + "/v1"}, {"openai": ("OPENAI_BASE_URL",)})
    assert ups.openai == health_server + "/v1" and ups.sources["openai"] == "OPENAI_BASE_URL"


# -- helpers and masking -------------------------------------------------------------------------
def test_take_option_and_merge_and_toml():
    assert take_option(["a", "--x=1", "b", "--x", "2", "--", "--x", "3"], "--x") == ("2", ["a", "b", "--", "--x", "3"], 2)
    assert deep_merge({"a": {"b": 1}, "l": [1]}, {"a": {"c": 2}, "l": [1, 2]}) == {"a": {"b": 1, "c": 2}, "l": [1, 2]}
    t = toml_value({"name": "h", "q": {"api-version": "1"}, "ok": True, "s": 'quo"te'})
    assert tomllib.loads("v = " + t)["v"] == {"name": "h", "q": {"api-version": "1"}, "ok": True, "s": 'quo"te'}


def test_masking_hides_keys_in_env_argv_and_json():
    assert "secret" not in mask_env("ANTHROPIC_API_KEY", "sk-ant-api03-secretsecret")
    assert mask_env("ANTHROPIC_BASE_URL", "http://127.0.0.1:1") == "http://127.0.0.1:1"
    line = shlex.join(["agent", "--api-key", "sk-proj-0123456789abcdef", '{"apiKey": "plainsecret"}'])
    masked = mask_text(line)
    assert "0123456789abcdef" not in masked and "plainsecret" not in masked and "--api-key" in masked


def test_env_defaults_respect_the_users_value():
    assert plan_for("claude").env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == "1"
    mine = plan_for("claude", env={"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "0"})
    assert mine.env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == "0"
    cp = plan_for("copilot", env={"COPILOT_OFFLINE": "false", "COPILOT_PROVIDER_API_KEY_COMMAND": "pass show k",
                                  "COPILOT_MODEL": "m", "COPILOT_PROVIDER_TRANSPORT": "websockets"})
    assert cp.env["COPILOT_OFFLINE"] == "false" and "COPILOT_PROVIDER_API_KEY" not in cp.env
    assert cp.env["COPILOT_PROVIDER_TRANSPORT"] == "http"


def test_wrap_run_builds_proxy_settings_from_flags(monkeypatch):
    from headroom_cli.launch.session import WrapOptions, WrapRun
    from headroom_cli.proxy.settings import ProxyFlags

    monkeypatch.setenv("PATH", f"{FAKES}:{os.environ['PATH']}")
    run = WrapRun(WrapOptions(agent="claude", user_args=["-p", "x"], anthropic_upstream="https://gw.example",
                              proxy=ProxyFlags(no_compress=True, compress_ratio=0.5, protect_tools=("Read",),
                                               reduce_output=None)))
    try:
        plan = run.prepare()
        st = run.settings
        assert (st.agent, st.no_compress, st.compress_ratio, st.protect_tools) == ("claude", True, 0.5, ("Read",))
        assert st.anthropic_upstream == "https://gw.example" and st.session_id == plan.env["HEADROOM_SESSION_ID"]
        assert plan.env["ANTHROPIC_BASE_URL"] == f"http://127.0.0.1:{st.port}" and st.port > 0
        assert run.journal.path.exists()  # written before anything else
    finally:
        run.close()
    assert not run.journal.path.exists()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", st.port)) != 0  # socket released though the proxy never started


def test_aider_env_prefixed_flag_and_claude_cloud_note():
    a = plan_for("aider", env={"AIDER_OPENAI_API_BASE": "https://gw.example/v1"})
    assert a.upstreams.openai == "https://gw.example/v1" and a.env["AIDER_OPENAI_API_BASE"] == PROXY + "/v1"
    c = plan_for("claude", env={"CLAUDE_CODE_USE_BEDROCK": "1"})
    assert any("CLAUDE_CODE_USE_BEDROCK" in n for n in c.banner_notes)


def test_an_upstream_registered_as_a_running_session_is_not_chained_to(health_server, monkeypatch):
    from headroom_cli.stats import registry

    monkeypatch.setattr(_Health, "body", b'{"status": "ok"}')  # says nothing; the registry knows
    registry.register("other-session", pid=os.getpid(), port=int(health_server.rsplit(":", 1)[1]),
                      agent="proxy", url=health_server)
    try:
        ups = resolve({"OPENAI_BASE_URL": health_server.replace("127.0.0.1", "localhost") + "/v1"},
                      {"openai": ("OPENAI_BASE_URL",)})
    finally:
        registry.unregister("other-session")
    assert ups.openai == config.OPENAI_API and any("headroom proxy" in n for n in ups.notes)


def test_codex_profile_provider_is_chained_and_overridden(tmp_path):
    home = Path.home() / ".codex"
    home.mkdir()
    # current Codex: `--profile work` reads work.config.toml over config.toml
    (home / "work.config.toml").write_text('model_provider = "azure"\n[model_providers.azure]\nname = "Azure"\n'
                                           'base_url = "https://az.example/openai"\nenv_key = "AZURE_OPENAI_API_KEY"\n'
                                           'wire_api = "responses"\n')
    plan = plan_for("codex", ["exec", "--profile", "work", "x"])
    ov = codex_overrides(plan)
    assert plan.upstreams.openai == "https://az.example/openai"
    assert ov["model_provider"] == "headroom" and "profiles.work.model_provider" not in ov
    assert ov["model_providers.headroom"]["env_key"] == "AZURE_OPENAI_API_KEY"
    # older Codex: [profiles.NAME] tables inside config.toml beat the top-level model_provider
    (home / "config.toml").write_text('[profiles.home]\nmodel_provider = "azure"\n')
    legacy = plan_for("codex", ["-p", "home", "exec", "x"])
    assert codex_overrides(legacy)["profiles.home.model_provider"] == "headroom"
