// The README's TypeScript section runs as written: the package is packed (npm pack) and installed into a fresh
// app folder as the README says, and the section's `js` blocks run there, the clients pointed at the fake provider.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { fakeProvider } from './helpers.mjs';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(pkg, '..', '..', 'README.md'), 'utf8');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function section() {
  const start = readme.indexOf('## In Node applications: `headroom-compress`');
  assert.ok(start >= 0, 'README section missing');
  const end = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, end < 0 ? undefined : end);
}

const blocks = (lang) => [...section().matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);

let fake;
before(async () => (fake = await fakeProvider()));
after(() => fake?.stop());

test('the README section: packed, installed into an app, its examples run as written', async () => {
  assert.match(blocks('bash')[0], /npm pack/);
  const app = mkdtempSync(join(tmpdir(), 'headroom-app-'));
  const packed = execFileSync(npm, ['pack', '--silent', '--pack-destination', app], { cwd: pkg, encoding: 'utf8' }).trim().split('\n').at(-1);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync(npm, ['install', '--silent', '--no-audit', '--no-fund', '--offline', join(app, packed)], { cwd: app });
  // the clients the examples import: this package's dev copies
  for (const dep of ['openai', '@anthropic-ai']) symlinkSync(join(pkg, 'node_modules', dep), join(app, 'node_modules', dep));
  const installed = readdirSync(join(app, 'node_modules', 'headroom-compress'));
  assert.ok(installed.includes('dist') && !installed.includes('src'), installed.join(' '));

  const code = blocks('js');
  assert.ok(code.length >= 2);
  writeFileSync(join(app, 'example.mjs'), code.join('\n'));
  const child = spawn(process.execPath, ['example.mjs'], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OPENAI_BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'test', ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'test' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const status = await new Promise((ok) => child.on('exit', ok));
  assert.equal(status, 0, err);
  const lines = out.trim().split('\n');
  const [before_, after_] = lines[0].split(' -> ').map((s) => parseInt(s, 10));
  assert.ok(after_ <= 0.3 * before_, lines[0]);
  assert.deepEqual(lines.filter((l) => l === 'true').length, 2, out);
  assert.match(out, /headroom_retrieve/);
  assert.match(out, /Final answer/);
  const saved = Number(/Tokens saved: (\d+)/.exec(out)?.[1]);
  assert.ok(saved > 0.7 * before_, out);
  // and the CommonJS build from the installed package
  const cjs = execFileSync(process.execPath, ['-e', "const h = require('headroom-compress'); console.log(typeof h.compress, typeof h.withHeadroom)"], { cwd: app, encoding: 'utf8' });
  assert.equal(cjs.trim(), 'function function');
});
