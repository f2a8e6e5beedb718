"""The project's fake provider (headroom_cli/testing/fake_provider.py) for the TypeScript tests, on loopback.

    python test/fake_provider.py REQUESTS.jsonl

Prints its URL on the first line, appends every model request's JSON body to REQUESTS.jsonl, and serves until
its stdin closes (the Node test ends). Its dialogue: a request that carries a headroom marker and offers the
retrieve tool gets a call of that tool with the marker's key (once: after the model's retrieve call, a final
text); other requests get a text.
"""
from __future__ import annotations

import json
import re
import sys

from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall, last_is_tool_result

MARKER = re.compile(r"headroom_retrieve key=([0-9a-f]+)")


def main() -> int:
    log = open(sys.argv[1], "a", encoding="utf-8")

    def script(req):
        log.write(json.dumps(req.json) + "\n")
        log.flush()
        body = req.json if isinstance(req.json, dict) else {}
        messages = body.get("messages") or []
        called = any(m.get("role") == "assistant" and "headroom_retrieve" in json.dumps(m) for m in messages)
        found = MARKER.search(json.dumps(messages))
        offered = "headroom_retrieve" in json.dumps(body.get("tools") or [])
        if found and offered and not called:
            return ToolCall("headroom_retrieve", {"key": found.group(1)})
        if last_is_tool_result(req.protocol, body):
            return Text("Final answer: the log ends in a FATAL out-of-memory error.")
        return Text("ok")

    fake = FakeProvider(script).start_thread()
    sys.stdout.write(fake.url + "\n")
    sys.stdout.flush()
    sys.stdin.read()  # until the parent closes the pipe
    fake.stop_thread()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
