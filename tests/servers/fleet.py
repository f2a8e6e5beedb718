"""A fleet on loopback: N `headroom proxy` processes on one store behind HAProxy, and the fake provider they
forward to, with the workload the fleet test and `benchmarks/bench_fleet.py` drive through it.

The workload: each client sends Anthropic Messages requests whose last message is a large tool result unique to
(client, turn) — a log the engine cuts, so every request stores an original before it is forwarded. The fake
provider (`FleetProvider`) answers a request that carries a marker with a `headroom_retrieve` call for its key;
the proxy answers that call from the store and continues, and the fake's final text names the SHA-256 of what it
got back, so a client can check the round trip was byte-exact. Requests marked `hold` are held open after their
first event until `release_held()` (a stream in flight when an instance is killed, without timing)."""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field

from headroom_cli.testing.fake_provider import FakeProvider, Recorded, Text, ToolCall

from .balancer import Balancer
from .proxies import ProxyProcess, start_proxy

KEY_RE = re.compile(r"headroom_retrieve key=([0-9a-f]{24})")
ANSWER_RE = re.compile(r"retrieved ([0-9a-f]{24}) sha256=([0-9a-f]{64})")


def tool_log(client: int, turn: int, lines: int = 400) -> str:
    """A command's log, unique to (client, turn), that the engine compresses lossily (an original is stored)."""
    out = []
    for i in range(lines):
        level = "ERROR" if i % 97 == 13 else "INFO"
        out.append(f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z {level} worker-{i % 7} client {client} turn {turn} "
                   f"request {i} handled in {(i * 37 + client * 11 + turn) % 900} ms")
    return "\n".join(out)


def request_body(client: int, turn: int, *, stream: bool, hold: bool = False) -> tuple[dict, str]:
    """(body, the tool result's text) of one request of the workload."""
    text = tool_log(client, turn)
    body = {"model": "claude-fleet", "max_tokens": 64, "stream": stream,
            "messages": [{"role": "user", "content": f"client {client} turn {turn}: what failed?" +
                          (" hold" if hold else "")},
                         {"role": "assistant", "content": [{"type": "tool_use", "id": f"t{turn}", "name": "Bash",
                                                            "input": {"command": "cat app.log"}}]},
                         {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{turn}",
                                                       "content": text}]}]}
    return body, text


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class FleetProvider(FakeProvider):
    """The fake provider of the fleet: asks for the original behind each request's marker, then names its hash."""

    def __init__(self, **kw):
        super().__init__(script=self._turn, **kw)
        self._asked: dict[str, str] = {}  # the retrieve calls asked for: call id -> key
        self.forwarded_keys: set[str] = set()  # keys seen in requests that reached the provider: stored first
        self._lock = threading.Lock()
        self._gate: asyncio.Event | None = None
        self.held = 0  # streams now held open

    def _turn(self, req: Recorded):
        msgs = (req.json or {}).get("messages") or []
        last = msgs[-1] if msgs else {}
        blocks = last.get("content") if isinstance(last.get("content"), list) else []
        results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
        text = "".join(_text_of(r.get("content")) for r in results)
        keys = KEY_RE.findall(json.dumps(req.json))
        with self._lock:
            self.forwarded_keys.update(keys)
        if results and results[-1].get("tool_use_id", "").startswith("hr"):  # the proxy answered our call
            return Text(f"retrieved {self._asked.get(results[-1]['tool_use_id'], '?')} sha256={sha(text)}")
        own = KEY_RE.findall(text)
        if own:
            call_id = f"hr{next(self._ids):06d}"
            self._asked[call_id] = own[-1]
            return ToolCall("headroom_retrieve", {"key": own[-1]}, id=call_id)
        return Text("nothing to retrieve")

    async def start(self, *a, **kw):
        self._gate = asyncio.Event()
        return await super().start(*a, **kw)

    def release_held(self) -> None:
        loop, gate = self._loop, self._gate
        if loop is not None and gate is not None:
            loop.call_soon_threadsafe(gate.set)

    async def _send_events(self, request, events, rec, **kw):
        if " hold" not in json.dumps((rec.json or {}).get("messages", [])[:1]):
            return await super()._send_events(request, events, rec, **kw)
        events = list(events)
        from aiohttp import web

        resp = web.StreamResponse(status=200, headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(b"event: %s\ndata: %s\n\n" % (events[0][0].encode(), json.dumps(events[0][1]).encode()))
        self.held += 1
        assert self._gate is not None
        try:
            await self._gate.wait()
        finally:
            self.held -= 1
        for name, data in events[1:]:
            try:
                await resp.write(b"event: %s\ndata: %s\n\n" % (name.encode(), json.dumps(data).encode()))
            except ConnectionResetError:
                return resp
        await resp.write_eof()
        return resp


def _text_of(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


@dataclass
class Fleet:
    """N proxy processes (same store) behind a balancer. `args`: extra `headroom proxy` flags for each."""
    n: int
    upstream: str
    args: tuple[str, ...] = ()
    env: dict = field(default_factory=dict)
    check_ms: int = 300
    proxies: list[ProxyProcess] = field(default_factory=list)
    balancer: Balancer | None = None

    def start(self) -> Fleet:
        import concurrent.futures

        self.env = {"HEADROOM_DURABLE_RECORDS": "1", **self.env}  # a fleet's records are committed before answers end
        with concurrent.futures.ThreadPoolExecutor(self.n) as pool:  # start-ups overlap
            self.proxies = list(pool.map(lambda _: start_proxy("--anthropic-upstream", self.upstream, *self.args,
                                                               env=self.env), range(self.n)))
        self.balancer = Balancer([p.port for p in self.proxies], check_ms=self.check_ms).start()
        if not self.balancer.wait_states({f"p{i}": "UP" for i in range(self.n)}):
            raise RuntimeError(f"instances not UP behind the balancer: {self.balancer.servers()}")
        return self

    @property
    def url(self) -> str:
        assert self.balancer is not None
        return self.balancer.url

    def kill(self, i: int) -> None:
        self.proxies[i].proc.send_signal(signal.SIGKILL)
        self.proxies[i].wait(10)

    def alive(self) -> list[ProxyProcess]:
        return [p for p in self.proxies if p.proc.poll() is None]

    def secret(self, p: ProxyProcess) -> str:
        from headroom_cli import config

        return (config.paths().runtime_dir / f"proxy-{p.port}.secret").read_text().strip()

    def stop(self) -> None:
        if self.balancer is not None:
            self.balancer.stop()
        for p in self.proxies:
            if p.proc.poll() is None:
                p.stop(signal.SIGTERM, timeout=30)

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class Outcome:
    client: int
    turn: int
    stream: bool
    text: str  # the tool result sent
    status: int = 0
    answered: bool = False  # the whole answer arrived (for a stream: through message_stop and the end)
    retrieved_sha: str = ""  # what the model's retrieve call got back, by the fake's account
    error: str = ""
    seconds: float = 0.0
    stream_error: bool = False  # a stream that ended in an error event (the instance's answer, status gone)


async def one_request(session, url: str, client: int, turn: int, *, stream: bool, headers: dict,
                      hold: bool = False) -> Outcome:
    body, text = request_body(client, turn, stream=stream, hold=hold)
    out = Outcome(client, turn, stream, text)
    t0 = time.perf_counter()
    try:
        async with session.post(url + "/v1/messages", data=json.dumps(body).encode(), headers=headers) as r:
            out.status = r.status
            raw = await r.read()
            by_balancer = "X-Headroom-Balancer" in r.headers
        doc = raw.decode("utf-8", "replace")
        if out.status == 200:
            if stream:
                out.answered, said = "message_stop" in doc, _stream_text(doc)
                out.stream_error = "event: error" in doc
                if out.stream_error:
                    out.error = doc[-300:]
            else:
                content = json.loads(doc).get("content") or []
                out.answered, said = True, "".join(b.get("text", "") for b in content if isinstance(b, dict))
            m = ANSWER_RE.search(said)
            out.retrieved_sha = m.group(2) if m else ""
        else:
            out.error = doc[:300]
            # an instance's error answer is an answer (it has its ledger row too); the balancer's (the instance
            # failed under it) is not: an agent sends the request again
            out.answered = not by_balancer
    except Exception as e:  # a connection cut by a killed instance: not answered
        out.error = f"{type(e).__name__}: {e}"[:300]
    out.seconds = time.perf_counter() - t0
    return out


def _stream_text(doc: str) -> str:
    parts = []
    for line in doc.splitlines():
        if line.startswith("data: "):
            try:
                ev = json.loads(line[6:])
            except ValueError:
                continue
            delta = ev.get("delta") if isinstance(ev, dict) else None
            if isinstance(delta, dict) and delta.get("type") == "text_delta":
                parts.append(delta.get("text", ""))
    return "".join(parts)


ANTHROPIC_HEADERS = {"x-api-key": "sk-fleet", "anthropic-version": "2023-06-01", "content-type": "application/json"}


async def run_clients(url: str, clients: int, turns: int, *, headers_for=None, on_done=None,
                      stream_every: int = 2, timeout: float = 60, first_turn: int = 0) -> list[Outcome]:
    """`clients` concurrent clients, each sending `turns` requests in a row (bounded loops, loopback only).
    `headers_for(client)`: its headers (a gateway token); `on_done(outcome)`: called after each request."""
    import aiohttp

    results: list[Outcome] = []
    conn = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        async def client(c: int) -> None:
            h = {**ANTHROPIC_HEADERS, **(headers_for(c) if headers_for else {})}
            for t in range(first_turn, first_turn + turns):
                o = await one_request(session, url, c, t, stream=(c % stream_every == 0), headers=h)
                results.append(o)
                if on_done is not None:
                    on_done(o)

        await asyncio.gather(*(client(c) for c in range(clients)))
    return results


def environ_for_fleet() -> dict:
    """The environment the instances share (the tests' isolated HEADROOM_HOME is inherited)."""
    return {k: v for k, v in os.environ.items() if k.startswith("HEADROOM_")}
