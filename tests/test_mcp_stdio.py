"""The SDK's stdio client spawns `headroom mcp serve`, lists tools, compresses and retrieves."""
import json
import os
import sys

import pytest

from headroom_cli.ccr.store import default_store


def _params():
    """A stdio transport for `python -m headroom_cli mcp serve`."""
    import tempfile

    from mcp import StdioServerParameters
    from mcp.client.stdio import stdio_client

    # the SDK passes only a safe subset of the environment: hand the isolated dirs over explicitly
    env = {k: os.environ[k] for k in ("HEADROOM_HOME", "HOME", "PATH") if k in os.environ}
    params = StdioServerParameters(command=sys.executable, args=["-m", "headroom_cli", "mcp", "serve"], env=env)
    # the server's stderr goes to a real file: pytest's captured sys.stderr may have no fileno
    return stdio_client(params, errlog=tempfile.TemporaryFile("w+"))


async def test_stdio_list_and_retrieve_byte_for_byte():
    from mcp import Client

    original = "first line\n\tindented \u00e9\u2603\n" + "".join(f"row {i}: value={i * 7}\n" for i in range(300))
    key = default_store().put(original)
    async with Client(_params()) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == {"headroom_retrieve", "headroom_compress", "headroom_stats"}
        res = await client.call_tool("headroom_retrieve", {"key": key})
        assert not res.is_error and res.content[0].text == original
        gone = await client.call_tool("headroom_retrieve", {"key": "0" * 24})
        assert gone.is_error
        stats = await client.call_tool("headroom_stats", {})
        assert json.loads(stats.content[0].text)["store"]["entries"] == 1


def _big_json_text() -> str:
    rows = [{"id": i, "name": f"user{i}", "email": f"user{i}@example.com", "status": "active",
             "score": (i * 37) % 101, "note": f"row number {i} of the export"} for i in range(400)]
    rows[217]["status"] = "ERROR: quota exceeded"
    return json.dumps(rows, indent=2)


async def test_stdio_compress_then_retrieve_original():
    pytest.importorskip("headroom_cli.compress.api")
    from mcp import Client

    text = _big_json_text()
    async with Client(_params()) as client:
        res = await client.call_tool("headroom_compress", {"text": text, "tool_name": "Bash"})
        assert not res.is_error, res.content[0].text
        out = json.loads(res.content[0].text)
        assert out["tokens_after"] < out["tokens_before"], {k: v for k, v in out.items() if k != "text"}
        assert len(out["text"]) < len(text)
        assert out["keys"], "a lossy cut must leave a retrievable key"
        assert any(k in out["text"] for k in out["keys"])  # the marker names the key
        back = await client.call_tool("headroom_retrieve", {"key": out["keys"][0]})
        assert back.content[0].text == text
