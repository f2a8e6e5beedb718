"""`headroom wrap gemini` and `headroom wrap opencode`: their plans (no processes run)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from headroom_cli.errors import HeadroomError
from headroom_cli.launch.context import Features
from headroom_cli.launch.journal import Journal

from test_launch_plan import PROXY, plan_for

KEY = {"GEMINI_API_KEY": "AIzaSyFAKE-0000000000000000000"}


def gemini_dir() -> Path:
    d = Path.home() / ".gemini"
    d.mkdir(exist_ok=True)
    return d


# -- Gemini CLI -----------------------------------------------------------------------------------
def test_gemini_points_at_the_proxy_and_chains_a_base_url_of_yours():
    (gemini_dir() / "settings.json").write_text('{"security": {"auth": {"selectedType": "gemini-api-key"}}}')
    plan = plan_for("gemini", ["-p", "hi"], env={**KEY, "GOOGLE_GEMINI_BASE_URL": "https://gw.example/google"})
    assert plan.env["GOOGLE_GEMINI_BASE_URL"] == PROXY
    assert plan.upstreams.gemini == "https://gw.example/google"
    assert "GEMINI_CLI_HOME" not in plan.env  # the user's settings already select the API key
    assert plan.env["GEMINI_DEFAULT_AUTH_TYPE"] == "gemini-api-key"
    assert plan.argv[1:] == ["-p", "hi"]


def test_gemini_without_an_auth_type_gets_its_own_home_linking_to_yours():
    user = gemini_dir()
    settings = '{\n  // mine\n  "ui": {"theme": "GitHub"},\n  "mcpServers": {"x": {"command": "$HOME/bin/x"}}\n}'
    (user / "settings.json").write_text(settings)
    (user / "GEMINI.md").write_text("my memory\n")
    j = Journal("s1").begin()
    plan = plan_for("gemini", ["-p", "hi"], env=KEY, journal=j)
    home = Path(plan.env["GEMINI_CLI_HOME"])
    gem = home / ".gemini"
    derived = json.loads((gem / "settings.json").read_text())
    assert derived["security"]["auth"]["selectedType"] == "gemini-api-key"
    assert derived["ui"] == {"theme": "GitHub"} and derived["mcpServers"]["x"]["command"] == "$HOME/bin/x"
    assert (gem / "settings.json").stat().st_mode & 0o777 == 0o600
    assert (gem / "GEMINI.md").resolve() == (user / "GEMINI.md").resolve()
    # what Gemini CLI writes during the run lands in the user's own folders
    for sub in ("tmp", "history"):
        assert (gem / sub).is_symlink() and (user / sub).is_dir()
    assert (user / "settings.json").read_text() == settings  # never edited
    assert any("GEMINI_CLI_HOME" in n for n in plan.banner_notes)
    j.cleanup()
    assert not home.exists() and (user / "GEMINI.md").read_text() == "my memory\n"


@pytest.mark.parametrize("env,settings,word", [
    ({}, {"security": {"auth": {"selectedType": "oauth-personal"}}}, "Login with Google"),
    ({"GOOGLE_GENAI_USE_GCA": "true"}, None, "Login with Google"),
    ({"GOOGLE_GENAI_USE_VERTEXAI": "true"}, None, "Vertex AI"),
    ({}, {"security": {"auth": {"enforcedType": "vertex-ai"}}}, "Vertex AI"),
])
def test_gemini_auth_that_cannot_go_through_a_local_proxy_is_refused_clearly(env, settings, word):
    if settings is not None:
        (gemini_dir() / "settings.json").write_text(json.dumps(settings))
    with pytest.raises(HeadroomError) as e:
        plan_for("gemini", ["-p", "hi"], env={**KEY, **env})
    assert word in str(e.value) and "not supported" in str(e.value) and "GEMINI_API_KEY" in e.value.hint


def test_gemini_needs_a_key_unless_its_settings_select_one_it_stored():
    with pytest.raises(HeadroomError, match="needs an API key"):
        plan_for("gemini", ["-p", "hi"])
    (gemini_dir() / "settings.json").write_text('{"security": {"auth": {"selectedType": "gemini-api-key"}}}')
    assert plan_for("gemini", ["-p", "hi"]).env["GOOGLE_GEMINI_BASE_URL"] == PROXY  # a keychain key serves


def test_gemini_takes_google_api_key_as_its_key():
    (gemini_dir() / "settings.json").write_text('{"security": {"auth": {"selectedType": "gemini-api-key"}}}')
    plan = plan_for("gemini", [], env={"GOOGLE_API_KEY": "AIzaSyGOOGLE-000000000000000"})
    assert plan.env["GEMINI_API_KEY"] == "AIzaSyGOOGLE-000000000000000"


def test_gemini_workspace_settings_beat_the_users(tmp_path):
    (gemini_dir() / "settings.json").write_text('{"security": {"auth": {"selectedType": "oauth-personal"}}}')
    proj = tmp_path / "proj"
    (proj / ".gemini").mkdir(parents=True)
    (proj / ".gemini" / "settings.json").write_text('{"security": {"auth": {"selectedType": "gemini-api-key"}}}')
    assert "GEMINI_CLI_HOME" not in plan_for("gemini", ["-p", "hi"], env=KEY, cwd=proj).env


def test_gemini_maintenance_commands_run_without_a_session():
    from headroom_cli.launch import profiles

    p = profiles.load("gemini")
    assert profiles.starts_no_session(p, ["mcp", "list"]) and profiles.starts_no_session(p, ["--version"])
    assert not profiles.starts_no_session(p, ["-p", "hi"])


# -- OpenCode -------------------------------------------------------------------------------------
def content(plan) -> dict:
    return json.loads(plan.env["OPENCODE_CONFIG_CONTENT"])


def test_opencode_routes_its_built_in_providers_and_adds_the_mcp_server():
    plan = plan_for("opencode", ["run", "hi"], features=Features(mcp_url=PROXY + "/mcp"))
    c = content(plan)
    assert c["provider"]["anthropic"]["options"]["baseURL"] == PROXY + "/v1"
    assert c["provider"]["openai"]["options"]["baseURL"] == PROXY + "/v1"
    assert c["provider"]["google"]["options"]["baseURL"] == PROXY + "/v1beta"
    server = c["mcp"]["headroom"]
    assert server["type"] == "remote" and server["url"] == PROXY + "/mcp"
    assert server["headers"]["Authorization"] == "Bearer {env:HEADROOM_PROXY_SECRET}"  # the secret is not in it
    assert plan.argv[1:] == ["run", "hi"]


def test_opencode_chains_your_base_urls_and_keeps_your_own_inline_config(tmp_path):
    cfg = Path.home() / ".config" / "opencode"
    cfg.mkdir(parents=True)
    (cfg / "opencode.jsonc").write_text('{\n // corp gateway\n "provider": {"anthropic": {"options": {"baseURL": '
                                        '"https://gw.example/anthropic/v1"}}, "local": {"npm": "x"}},}')
    own = {"model": "anthropic/claude-x", "provider": {"anthropic": {"options": {"timeout": 5}}}}
    plan = plan_for("opencode", ["run", "hi"], env={"OPENCODE_CONFIG_CONTENT": json.dumps(own)})
    assert plan.upstreams.anthropic == "https://gw.example/anthropic/v1"
    c = content(plan)
    assert c["model"] == "anthropic/claude-x"
    assert c["provider"]["anthropic"]["options"] == {"timeout": 5, "baseURL": PROXY + "/v1"}
    assert any("local" in n and "not routed" in n for n in plan.banner_notes)


def test_opencode_invalid_inline_config_is_a_usage_error():
    from headroom_cli.errors import UsageError

    with pytest.raises(UsageError, match="OPENCODE_CONFIG_CONTENT"):
        plan_for("opencode", ["run", "hi"], env={"OPENCODE_CONFIG_CONTENT": "{nope"})


def test_opencode_mcp_install_writes_one_argv_list(tmp_path, monkeypatch):
    from headroom_cli.launch import profiles
    from headroom_cli.mcp import install

    monkeypatch.setattr(install, "serve_command", lambda: ["/opt/headroom", "mcp", "serve"])
    p = profiles.load_for_mcp_install("opencode")
    install.install(p)
    doc = json.loads((Path.home() / ".config" / "opencode" / "opencode.json").read_text())
    assert doc["mcp"]["headroom"] == {"type": "local", "command": ["/opt/headroom", "mcp", "serve"], "enabled": True}


def test_doctor_says_when_gemini_cli_is_set_up_for_an_auth_wrap_cannot_carry(tmp_path):
    from headroom_cli.cli.doctor import WARN, check_gemini_settings

    assert check_gemini_settings(env={"HOME": str(Path.home())}, cwd=tmp_path) == []  # nothing chosen yet
    (gemini_dir() / "settings.json").write_text('{"security": {"auth": {"selectedType": "oauth-personal"}}}')
    (c,) = check_gemini_settings(env={"HOME": str(Path.home())}, cwd=tmp_path)
    assert c.status == WARN and "Login with Google" in c.detail and "GEMINI_API_KEY" in c.hint
