// withHeadroom() around the official openai and @anthropic-ai/sdk clients, against the project's fake provider
// on loopback (test/fake_provider.py): what the provider received was compressed, and the retrieve tool works.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FATAL, fakeProvider, serverLog } from './helpers.mjs';
import { closeEngine, withHeadroom } from 'headroom-compress';

const log = serverLog();
let fake;
before(async () => (fake = await fakeProvider()));
after(async () => {
  closeEngine();
  await fake?.stop();
});

const since = (n) => fake.requests().slice(n);

function openaiTurn() {
  return [
    { role: 'user', content: 'Why did the worker die?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read_log', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: log },
  ];
}

test('OpenAI: the provider gets the compressed request, the model retrieves the original, the caller gets the answer', async () => {
  const client = withHeadroom(new OpenAI({ apiKey: 'test-key', baseURL: `${fake.url}/v1`, maxRetries: 0 }));
  const n = fake.requests().length;
  const messages = openaiTurn();
  const tools = [{ type: 'function', function: { name: 'read_log', parameters: { type: 'object', properties: {} } } }];
  const resp = await client.chat.completions.create({ model: 'gpt-4o', messages, tools });
  assert.match(resp.choices[0].message.content, /^Final answer/);

  const [first, second, ...rest] = since(n);
  assert.equal(rest.length, 0);
  const sentLog = first.messages[2].content;
  assert.ok(sentLog.length < 0.3 * log.length, `${log.length} -> ${sentLog.length} chars`);
  assert.ok(sentLog.includes(FATAL));
  assert.deepEqual(first.messages.slice(0, 2), messages.slice(0, 2));
  assert.deepEqual(first.tools.map((t) => t.function.name), ['read_log', 'headroom_retrieve']);
  // the wrapper answered the model's retrieve call with the byte-exact original
  const answer = second.messages.at(-1);
  assert.equal(answer.role, 'tool');
  assert.equal(answer.content, log);
  assert.equal(second.messages.at(-2).tool_calls[0].function.name, 'headroom_retrieve');

  const stats = client.headroom;
  assert.equal(stats.calls.length, 1);
  assert.equal(stats.calls[0].retrieved, 1);
  assert.ok(stats.calls[0].tokensSaved > 0.7 * stats.calls[0].tokensBefore, JSON.stringify(stats.calls[0]));
  assert.equal(stats.totalTokensSaved, stats.calls[0].tokensSaved);
  assert.equal(messages[2].content, log); // the caller's messages are not modified
});

test('OpenAI streaming: the request is compressed and carries the retrieve tool; the stream is the client\'s own', async () => {
  const client = withHeadroom(new OpenAI({ apiKey: 'test-key', baseURL: `${fake.url}/v1`, maxRetries: 0 }));
  const n = fake.requests().length;
  const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: openaiTurn(), stream: true });
  const names = [];
  for await (const chunk of stream) {
    for (const t of chunk.choices[0]?.delta?.tool_calls ?? []) if (t.function?.name) names.push(t.function.name);
  }
  assert.deepEqual(names, ['headroom_retrieve']); // left to the caller when streaming (answerRetrieve())
  const [sent] = since(n);
  assert.equal(sent.stream, true);
  assert.ok(sent.messages[2].content.length < 0.3 * log.length);
  assert.deepEqual(sent.tools.map((t) => t.function.name), ['headroom_retrieve']);
});

test('OpenAI: a request with nothing to compress is sent as the caller wrote it', async () => {
  const client = withHeadroom(new OpenAI({ apiKey: 'test-key', baseURL: `${fake.url}/v1`, maxRetries: 0 }));
  const n = fake.requests().length;
  const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], temperature: 0 };
  const resp = await client.chat.completions.create(body);
  assert.equal(resp.choices[0].message.content, 'ok');
  assert.deepEqual(since(n), [body]);
  assert.equal(client.headroom.totalTokensSaved, 0);
  assert.equal(typeof client.models.list, 'function'); // the rest of the client is its own
});

test('Anthropic: the provider gets the compressed request, the model retrieves the original, the caller gets the answer', async () => {
  const client = withHeadroom(new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 0 }));
  const n = fake.requests().length;
  const messages = [
    { role: 'user', content: 'Why did the worker die?' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'cat /var/log/app.log' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: log }] },
  ];
  const resp = await client.messages.create({ model: 'claude-3-opus', max_tokens: 512, system: 'You are terse.', messages });
  assert.match(resp.content[0].text, /^Final answer/);

  const [first, second, ...rest] = since(n);
  assert.equal(rest.length, 0);
  assert.equal(first.system, 'You are terse.');
  const sentLog = JSON.stringify(first.messages[2].content);
  assert.ok(sentLog.length < 0.3 * log.length, `${log.length} -> ${sentLog.length} chars`);
  assert.ok(sentLog.includes(FATAL));
  assert.deepEqual(first.tools.map((t) => t.name), ['headroom_retrieve']);
  const result = second.messages.at(-1).content[0];
  assert.equal(result.type, 'tool_result');
  assert.equal(result.content, log);
  assert.equal(second.messages.at(-2).content[0].name, 'headroom_retrieve');
  assert.equal(client.headroom.calls[0].retrieved, 1);
  assert.ok(client.headroom.totalTokensSaved > 0.7 * client.headroom.calls[0].tokensBefore);
});

test('withHeadroom refuses what is not an OpenAI or Anthropic client', () => {
  assert.throws(() => withHeadroom({}), TypeError);
});
