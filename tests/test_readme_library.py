"""Issue 18 item 4: the README's section on using the engine in your own code runs as written. Every ```python
block of that section runs in a fresh interpreter, with the OpenAI and Anthropic clients' own environment variables
pointing at the fake provider on loopback (no network, a dummy key). A block whose framework is not installed is
skipped, naming the extra that brings it."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from headroom_cli.testing.fake_provider import FakeProvider, Text

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## In your own code"


def blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_section_has_its_examples():
    found = blocks()
    assert len(found) >= 1 and any("from headroom_cli import compress" in b for b in found)


NEEDS = {"langchain_core": "langchain", "langchain_openai": "langchain", "langchain_anthropic": "langchain",
         "langgraph": "langchain", "agno": "agno"}


@pytest.mark.parametrize("i", range(len(blocks())))
def test_readme_block_runs_as_written(i, tmp_path):
    code = blocks()[i]
    for mod, extra in NEEDS.items():
        if re.search(rf"^\s*(?:from|import) {mod}\b", code, re.M) and importlib.util.find_spec(mod) is None:
            pytest.skip(f"{mod} is not installed (pip install '.[{extra}]')")
    with FakeProvider(lambda req: Text("Nothing alarming in there.")).in_thread() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
        env.update(OPENAI_BASE_URL=fake.url + "/v1", OPENAI_API_KEY="sk-test", ANTHROPIC_BASE_URL=fake.url,
                   ANTHROPIC_API_KEY="sk-ant-test", PYTHONPATH=str(ROOT))
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                           timeout=300, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
        for saved in re.findall(r"Tokens saved: (\d+)", r.stdout):
            assert int(saved) > 0, r.stdout[-2000:]  # the example's document was compressed
        if "ChatOpenAI" in code or "OpenAIChat" in code or "ChatAnthropic" in code:
            assert fake.model_requests, "the example never reached the (fake) provider"
