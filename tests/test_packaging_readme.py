"""README.md: generated sections current (configuration from config.py, agents from launchers/, shells),
the exact test command CI runs, every command documented, a benchmarks section for the numbers."""
from __future__ import annotations

from pathlib import Path

from headroom_cli import config
from headroom_cli.shell import readme

README = Path(__file__).resolve().parents[1] / "README.md"


def test_generated_sections_are_current():
    text = README.read_text(encoding="utf-8")
    assert readme.render(text) == text, f"run `{readme.REGEN}`"


def test_every_setting_and_env_var_is_documented():
    text = README.read_text(encoding="utf-8")
    for s in config.SETTINGS.values():
        assert f"`{s.env}`" in text and f"`{s.name}`" in text
    for var in ("HEADROOM_HOME", "HEADROOM_DATA_DIR", "HEADROOM_CACHE_DIR"):
        assert var in text


def test_every_agent_profile_is_documented():
    text = README.read_text(encoding="utf-8")
    for p in (README.parent / "launchers").glob("*.toml"):
        assert f"headroom wrap {p.stem}" in text


def test_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && python -m pytest -q" in text  # CI runs exactly this
    assert "headroom wrap claude" in text and "pip install -e ." in text


def test_every_command_is_mentioned():
    import typer.main

    from headroom_cli.cli import build_app

    text = README.read_text(encoding="utf-8")
    group = typer.main.get_command(build_app())
    for name in group.commands:
        assert f"headroom {name}" in text, name


def test_benchmarks_section_has_runners_and_a_table_for_numbers():
    text = README.read_text(encoding="utf-8")
    bench = text[text.index("## Benchmarks"):]
    assert "<!-- BENCHMARK NUMBERS" in bench and "<!-- /BENCHMARK NUMBERS -->" in bench
    for runner in sorted((README.parent / "benchmarks").glob("bench_*.py")):
        assert f"python benchmarks/{runner.name}" in bench
    assert "headroom perf" in bench
