// Shared by the tests: the repository's Python engine, an isolated headroom home, the fake provider, sample logs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');
// The engine under test: HEADROOM_COMMAND when set, else the active virtualenv's (CI's), else the repository's .venv,
// else `headroom` on PATH.
const venvBin = process.env.VIRTUAL_ENV ? join(process.env.VIRTUAL_ENV, 'bin') : join(repo, '.venv', 'bin');
if (!process.env.HEADROOM_COMMAND && existsSync(join(venvBin, 'headroom'))) {
  process.env.HEADROOM_COMMAND = join(venvBin, 'headroom');
}
export const PYTHON = process.env.HEADROOM_PYTHON || (existsSync(join(venvBin, 'python')) ? join(venvBin, 'python') : 'python');

// Every test file gets its own store of originals, never the user's.
process.env.HEADROOM_HOME = mkdtempSync(join(tmpdir(), 'headroom-ts-'));

/** A server log of `n` lines with one FATAL line (and some non-ASCII, to check bytes cross unchanged). */
export function serverLog(n = 3000) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const ms = (i * 37) % 97;
    lines.push(`2024-05-01T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z INFO worker-${i % 7} handled request ${i} for café-${i % 5} in ${ms}ms`);
  }
  lines[Math.floor(n * 0.7)] = '2024-05-01T10:35:00Z FATAL worker-3 out of memory: heap limit 4096MB exceeded — shutting down ✗';
  return lines.join('\n') + '\n';
}

export const FATAL = 'FATAL worker-3 out of memory: heap limit 4096MB exceeded';

/** Start the fake provider; resolves to { url, requests(), stop() }. */
export async function fakeProvider() {
  const file = join(mkdtempSync(join(tmpdir(), 'headroom-fake-')), 'requests.jsonl');
  const child = spawn(PYTHON, [join(here, 'fake_provider.py'), file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise((ok, fail) => {
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) ok(buf.split('\n')[0].trim());
    });
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`fake provider exited with ${code}`)));
  });
  return {
    url,
    requests: () =>
      existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [],
    stop: () =>
      new Promise((ok) => {
        child.removeAllListeners('exit');
        child.on('exit', ok);
        child.stdin.end();
      }),
  };
}
