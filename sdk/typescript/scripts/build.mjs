// Build dist/esm (ES modules) and dist/cjs (CommonJS), each with its .d.ts, from src/ with tsc.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
for (const [dir, config, type] of [['esm', 'tsconfig.esm.json', 'module'], ['cjs', 'tsconfig.cjs.json', 'commonjs']]) {
  execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
  mkdirSync(`dist/${dir}`, { recursive: true });
  writeFileSync(`dist/${dir}/package.json`, JSON.stringify({ type }) + '\n'); // how Node reads that folder's .js
}
