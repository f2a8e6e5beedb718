// Issue 19's seed example, as written with this package's name: a long log in a user message comes back
// >= 70 % smaller with its FATAL line kept (documents in user messages, compress()'s default), retrievable.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { FATAL, serverLog } from './helpers.mjs';
import { closeEngine, retrieve, sharedEngine } from 'headroom-compress';
import { compress } from 'headroom-compress';

after(() => closeEngine());

// Until the engine compresses documents in user messages (issue 18), these cannot hold; once it does, they must.
await sharedEngine().start();
const skip = !sharedEngine().features.documents && 'this engine does not compress documents in user messages';

test('the seed example runs as written', { skip }, async () => {
  const longDocument = serverLog(3000);
  const result = await compress({ messages: [{ role: 'user', content: longDocument }], model: 'claude-3-opus' });
  assert.ok(result.tokensAfter <= 0.3 * result.tokensBefore, `${result.tokensBefore} -> ${result.tokensAfter}`);
  assert.ok(result.messages[0].content.includes(FATAL));
  assert.equal(result.keys.length, 1);
  assert.equal(await retrieve(result.keys[0]), longDocument);
});

test('the instruction around a pasted document is kept verbatim', { skip }, async () => {
  const log = serverLog(3000);
  const instruction = 'Summarise this log and say why the worker stopped:\n\n';
  const result = await compress({ messages: [{ role: 'user', content: instruction + log }], model: 'gpt-4o' });
  assert.ok(result.tokensAfter <= 0.3 * result.tokensBefore, `${result.tokensBefore} -> ${result.tokensAfter}`);
  assert.ok(result.messages[0].content.startsWith(instruction));
  assert.ok(result.messages[0].content.includes(FATAL));
  assert.equal(result.tool.function.name, 'headroom_retrieve');
});

test("documents: 'off' leaves user text alone", async () => {
  const log = serverLog(3000);
  const result = await compress({ messages: [{ role: 'user', content: log }], documents: 'off' });
  assert.equal(result.changed, false);
  assert.equal(result.messages[0].content, log);
});
