// compress(), retrieve() and the engine process, against the real local Python engine (headroom engine --stdio).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FATAL, PYTHON, serverLog } from './helpers.mjs';
import {
  Engine, EngineError, HeadroomError, HeadroomNotInstalledError, answerRetrieve, closeEngine, compress, retrieve,
  retrieveTool,
} from 'headroom-compress';

after(() => closeEngine());

/** Whether process `pid` still runs (a zombie waiting to be reaped has ended). */
function running(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

const log = serverLog();

test('a long log in an OpenAI tool result comes back >= 70 % smaller, FATAL kept, original retrievable byte-exact', async () => {
  const messages = [
    { role: 'user', content: 'Why did the worker die?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'read_log', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: log },
  ];
  const r = await compress({ messages, model: 'gpt-4o' });
  assert.equal(r.protocol, 'openai');
  assert.ok(r.changed);
  assert.ok(r.tokensBefore > 20000, `${r.tokensBefore}`);
  assert.ok(r.tokensAfter <= 0.3 * r.tokensBefore, `${r.tokensBefore} -> ${r.tokensAfter}`);
  assert.equal(r.tokensSaved, r.tokensBefore - r.tokensAfter);
  assert.ok(r.encoding);
  assert.deepEqual(r.messages.slice(0, 2), messages.slice(0, 2)); // untouched messages are equal to the input's
  assert.ok(r.messages[2].content.includes(FATAL));
  assert.equal(r.keys.length, 1);
  assert.ok(r.messages[2].content.includes(`key=${r.keys[0]}`));
  assert.equal(r.tool.type, 'function');
  assert.equal(r.tool.function.name, 'headroom_retrieve');
  assert.equal(messages[2].content, log); // the input is not modified
  assert.equal(await retrieve(r.keys[0]), log); // byte-exact, non-ASCII included
});

test('Anthropic tool_result blocks: compressed, and the retrieve tool comes in Anthropic shape', async () => {
  const messages = [
    { role: 'user', content: 'Read the log.' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'tu1', name: 'Bash', input: { command: 'tail -n 3000 /var/log/app.log' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu1', content: log }] },
  ];
  const r = await compress({ messages, model: 'claude-3-opus' });
  assert.equal(r.protocol, 'anthropic');
  assert.ok(r.tokensAfter <= 0.3 * r.tokensBefore, `${r.tokensBefore} -> ${r.tokensAfter}`);
  const block = r.messages[2].content[0];
  assert.equal(block.type, 'tool_result');
  assert.ok(JSON.stringify(block.content).includes(FATAL));
  assert.equal(r.tool.name, 'headroom_retrieve');
  assert.ok(r.tool.input_schema);
  assert.equal(await retrieve(r.keys[0]), log);
});

test('small messages pass unchanged and report no saving', async () => {
  const messages = [{ role: 'user', content: 'hello there' }];
  const r = await compress({ messages });
  assert.equal(r.changed, false);
  assert.deepEqual(r.messages, messages);
  assert.equal(r.tokensSaved, 0);
  assert.deepEqual(r.keys, []);
  assert.equal(r.tool, null);
});

test('concurrent calls each get their own answer', async () => {
  const logs = [1, 2, 3, 4].map((k) => serverLog(800 + k * 100));
  const results = await Promise.all(logs.map((l) => compress({ messages: [
    { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'cat', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'c', content: l },
  ] })));
  const originals = await Promise.all(results.map((r) => retrieve(r.keys[0])));
  assert.deepEqual(originals, logs);
});

test('answerRetrieve gives the original or a line range; retrieveTool gives the definition', async () => {
  const r = await compress({ messages: [
    { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'cat', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'c', content: log },
  ] });
  const key = r.keys[0];
  assert.equal(await answerRetrieve(JSON.stringify({ key })), log);
  assert.equal(await answerRetrieve({ key, start_line: 2, end_line: 3 }), log.split('\n').slice(1, 3).join('\n') + '\n');
  assert.match(await answerRetrieve({ key: 'feedfeedfeedfeedfeedfeed' }), /No original is stored/);
  assert.equal((await retrieveTool('anthropic')).name, 'headroom_retrieve');
});

test('engine errors arrive as HeadroomErrors with the engine type and hint', async () => {
  await assert.rejects(retrieve('0123456789abcdef01234567'), (e) => {
    assert.ok(e instanceof HeadroomError);
    assert.equal(e.type, 'NotFound');
    assert.ok(e.hint.length > 0);
    return true;
  });
  await assert.rejects(compress({ messages: [{ role: 'user', content: 'x' }], ratio: 7 }), (e) => e.type === 'UsageError');
  // the engine still serves after an error
  assert.equal((await compress({ messages: [{ role: 'user', content: 'x' }] })).changed, false);
});

test('headroom not installed: a clear error with the install command', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'no-headroom-'));
  for (const engine of [
    new Engine({ env: { PATH: empty, HOME: empty } }), // `headroom` looked up on a PATH without it
    new Engine({ command: [join(empty, 'headroom'), 'engine', '--stdio'] }),
  ]) {
    await assert.rejects(compress({ messages: [{ role: 'user', content: 'x' }], engine }), (e) => {
      assert.ok(e instanceof HeadroomNotInstalledError, String(e));
      assert.match(e.message, /headroom is not installed/);
      assert.match(e.message, /pip install headroom-proxy/);
      assert.match(e.hint, /HEADROOM_COMMAND/);
      return true;
    });
  }
});

test('a headroom without the engine command: says to upgrade', async () => {
  const engine = new Engine({ command: [PYTHON, '-c', "import sys; sys.stderr.write(\"Error: No such command 'engine'.\\n\"); sys.exit(2)"] });
  await assert.rejects(retrieve('ab', { engine }), (e) => {
    assert.ok(e instanceof EngineError, String(e));
    assert.match(e.message, /no `engine --stdio` command/);
    assert.match(e.hint, /pip install -U headroom-proxy/);
    return true;
  });
});

test('an engine that dies mid-request rejects the call instead of hanging, and the next call starts a new one', async () => {
  const engine = new Engine();
  assert.equal((await compress({ messages: [{ role: 'user', content: 'x' }], engine })).changed, false);
  const pending = compress({ messages: [{ role: 'tool', tool_call_id: 'c', content: log }], engine });
  engine.pid && process.kill(engine.pid, 'SIGKILL');
  await assert.rejects(pending, (e) => e instanceof EngineError);
  assert.equal((await compress({ messages: [{ role: 'user', content: 'y' }], engine })).changed, false);
  engine.close();
});

test('Node exits on its own with the engine idle, and the engine process ends with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-exit-'));
  const script = join(dir, 'app.mjs');
  writeFileSync(script, [
    `import { compress, sharedEngine } from ${JSON.stringify(import.meta.resolve('headroom-compress'))};`,
    "await compress({ messages: [{ role: 'user', content: 'hi' }] });",
    'console.log(sharedEngine().pid);',
  ].join('\n'));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((ok) => child.on('exit', ok));
  assert.equal(code, 0);
  const pid = Number(out.trim());
  assert.ok(pid > 0, out);
  // The engine saw EOF on stdin when Node exited; wait (bounded) for it to finish exiting.
  let alive = running(pid);
  for (let i = 0; i < 200 && alive; i++) {
    await new Promise((ok) => setTimeout(ok, 50));
    alive = running(pid);
  }
  assert.equal(alive, false, `engine ${pid} still running after its parent exited`);
});
