"""--reduce-output through the proxy: the note reaches the provider as the last system block, the
holdout arm and conversation land in the ledger, and `headroom stats --output` measures honestly."""
import asyncio
import json
import random

import aiohttp

from headroom_cli.cli import main
from headroom_cli.output.terseness import note_for
from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.stats.ledger import Ledger
from headroom_cli.stats.records import RequestRecord, Usage
from headroom_cli.stats.recorder import Recorder
from headroom_cli.testing.fake_provider import FakeProvider, Text


def _body(turn: int) -> dict:
    msgs = [{"role": "user", "content": "fix the bug"}]
    for i in range(turn):
        msgs += [{"role": "assistant", "content": [{"type": "text", "text": f"step {i}"}]},
                 {"role": "user", "content": f"continue {i}"}]
    return {"model": "claude-x", "max_tokens": 50, "stream": True,
            "system": [{"type": "text", "text": "You are helpful.", "cache_control": {"type": "ephemeral"}}],
            "messages": msgs}


def test_note_is_last_system_block_and_stable_over_turns():
    rec = Recorder(Ledger())
    with FakeProvider(lambda r: Text("ok")).in_thread() as fake:
        s = ProxySettings(anthropic_upstream=fake.url, reduce_output=True, output_level=2, retrieval="off",
                          on_record=rec)
        with ProxyServer(s) as proxy:
            async def go():
                async with aiohttp.ClientSession() as c:
                    for t in range(5):
                        async with c.post(proxy.url + "/v1/messages", json=_body(t)) as r:
                            assert r.status == 200
                            await r.read()
            asyncio.run(go())
        systems = [r.json["system"] for r in fake.model_requests]
    rec.flush(10)
    for sys_blocks in systems:
        assert sys_blocks[-1]["text"] == note_for(2)
        assert sys_blocks[0] == {"type": "text", "text": "You are helpful.", "cache_control": {"type": "ephemeral"}}
    assert len({json.dumps(s) for s in systems}) == 1  # byte-stable across turns
    rows = Ledger().output_rows()
    assert len(rows) == 5 and {r["output_arm"] for r in rows} == {"shaped"}
    assert len({r["conversation_id"] for r in rows}) == 1 and rows[0]["conversation_id"]


def _record(lg: Ledger, arm: str, conv: str, out: int) -> None:
    lg.record(RequestRecord(session_id="s", agent="claude", protocol="anthropic", path="/v1/messages",
                            status=200, output_arm=arm, conversation_id=conv, usage=Usage(output_tokens=out), ts=1.0))


def test_stats_output_measured_with_holdout(capsys):
    lg = Ledger()
    r = random.Random(3)
    for c in range(30):
        arm = "control" if c % 5 == 0 else "shaped"
        for _ in range(6):
            base = 400 if arm == "control" else 280
            _record(lg, arm, f"conv{c}", base + r.randint(-40, 40))
    assert main(["stats", "--output", "--json"]) == 0
    est = json.loads(capsys.readouterr().out)
    assert est["status"] == "measured"
    lo, hi = est["ci"]
    assert lo <= -120 <= hi and hi < 0  # the known effect lies in the interval, which excludes 0


def test_stats_output_not_measured_without_control(capsys):
    lg = Ledger()
    for c in range(5):
        _record(lg, "shaped", f"c{c}", 300)
    assert main(["stats", "--output"]) == 0
    out = capsys.readouterr().out
    assert "not measured" in out and "--output-holdout" in out
