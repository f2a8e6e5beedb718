/**
 * The local Python engine as a child process speaking JSON lines over stdio (`headroom engine --stdio`).
 * No port and no secret: only this process can talk to it, and it ends when this process closes the pipe
 * (or exits), so nothing is left behind. While no request is waiting the child does not keep Node alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EngineError, HeadroomError, HeadroomNotInstalledError } from './errors.js';

/** The protocol this SDK speaks (headroom_cli/sdk_server.py PROTOCOL). */
export const PROTOCOL = 1;

export interface EngineOptions {
  /**
   * The engine's command line. Default: `$HEADROOM_COMMAND engine --stdio` when HEADROOM_COMMAND is set (the
   * path of a `headroom` executable), else `headroom engine --stdio` from PATH.
   */
  command?: string[];
  /** Environment of the engine process (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface Wire {
  id?: number | null;
  result?: unknown;
  error?: { type?: string; message?: string; hint?: string };
}

export function defaultCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const exe = env.HEADROOM_COMMAND?.trim();
  return [exe || 'headroom', 'engine', '--stdio'];
}

export class Engine {
  private readonly command: string[];
  private readonly env: NodeJS.ProcessEnv | undefined;
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stdoutBuf = '';
  private stderrTail = '';
  private failure: Error | undefined;
  /** The engine's version, once started. */
  version: string | undefined;
  /** What the running engine can do (e.g. documents: it compresses large documents inside user messages). */
  features: { documents?: boolean } = {};

  constructor(options: EngineOptions = {}) {
    this.command = options.command?.length ? [...options.command] : defaultCommand(options.env ?? process.env);
    this.env = options.env;
  }

  /** The engine process's id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Start the engine now (calls start it on first use anyway); resolves once it has answered `hello`. */
  start(): Promise<void> {
    if (!this.ready) {
      this.ready = this.spawnEngine().catch((e: Error) => {
        this.ready = undefined; // a later call may try again (e.g. after installing headroom)
        throw e;
      });
    }
    return this.ready;
  }

  /** Call one engine method; starts the engine on first use. */
  async request<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    await this.start();
    return this.send<T>(method, params);
  }

  /** End the engine process (a later request starts a new one). */
  close(): void {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (child) {
      child.stdin?.end();
      child.kill();
    }
    this.failAll(new EngineError('the headroom engine was closed'));
  }

  private async spawnEngine(): Promise<void> {
    const [exe, ...args] = this.command;
    this.failure = undefined;
    this.stdoutBuf = '';
    this.stderrTail = '';
    let child: ChildProcess;
    try {
      child = spawn(exe!, args, { stdio: ['pipe', 'pipe', 'pipe'], env: this.env, windowsHide: true });
    } catch (e) {
      throw new HeadroomNotInstalledError(exe!, (e as Error).message);
    }
    this.child = child;
    child.stdin!.on('error', () => {}); // EPIPE when the engine is gone: reported by 'exit' / 'error' below
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      const err =
        e.code === 'ENOENT' || e.code === 'EACCES'
          ? new HeadroomNotInstalledError(exe!, e.code === 'ENOENT' ? 'no such file on PATH' : 'permission denied')
          : new EngineError(`the headroom engine could not be started: ${e.message}`);
      this.onGone(child, err);
    });
    child.on('exit', (code, signal) => {
      const tail = this.stderrTail.trim();
      const noCommand = /No such command|no such option/i.test(tail);
      const err = noCommand
        ? new EngineError(
            `this headroom has no \`engine --stdio\` command (${exe}); it is older than this SDK`,
            'Upgrade it: `pip install -U headroom-proxy` (or `pip install -e .` in a newer clone).',
          )
        : new EngineError(
            `the headroom engine exited (${signal ?? `status ${code}`})` + (tail ? `: ${tail.split('\n').slice(-5).join('\n')}` : ''),
          );
      this.onGone(child, err);
    });
    this.updateRef();
    const hello = await this.send<{ protocol: number; version: string; features?: { documents?: boolean } }>('hello', {});
    if (hello.protocol !== PROTOCOL) {
      this.close();
      throw new EngineError(
        `the headroom engine speaks protocol ${hello.protocol}, this SDK ${PROTOCOL}`,
        'Install matching versions of headroom and this package.',
      );
    }
    this.version = hello.version;
    this.features = hello.features ?? {};
  }

  private send<T>(method: string, params: Record<string, unknown>): Promise<T> {
    const child = this.child;
    if (this.failure) return Promise.reject(this.failure);
    if (!child?.stdin) return Promise.reject(new EngineError('the headroom engine is not running'));
    const id = this.nextId++;
    // JSON.stringify escapes lone surrogates, so every JS string reaches the engine unchanged.
    const line = JSON.stringify({ id, method, params }) + '\n';
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.updateRef();
      child.stdin!.write(line);
    });
  }

  private onData(chunk: string): void {
    this.stdoutBuf += chunk;
    let nl: number;
    while ((nl = this.stdoutBuf.indexOf('\n')) >= 0) {
      const line = this.stdoutBuf.slice(0, nl);
      this.stdoutBuf = this.stdoutBuf.slice(nl + 1);
      if (line.trim()) this.onLine(line);
    }
  }

  private onLine(line: string): void {
    let msg: Wire;
    try {
      msg = JSON.parse(line) as Wire;
    } catch {
      this.failAll(new EngineError(`the headroom engine wrote a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (!p) return; // an answer to nothing we asked: ignore
    this.pending.delete(msg.id as number);
    this.updateRef();
    if (msg.error) {
      p.reject(new HeadroomError(msg.error.message ?? 'engine error', { type: msg.error.type, hint: msg.error.hint }));
    } else {
      p.resolve(msg.result);
    }
  }

  private onGone(child: ChildProcess, err: Error): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.ready = undefined; // the next request starts a new engine
    this.failure = err;
    this.failAll(err);
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }

  /** Keep Node alive only while a request waits for its answer. */
  private updateRef(): void {
    const child = this.child;
    if (!child) return;
    const busy = this.pending.size > 0;
    for (const s of [child.stdin, child.stdout, child.stderr] as Array<{ ref?: () => void; unref?: () => void } | null>) {
      if (busy) s?.ref?.();
      else s?.unref?.();
    }
    if (busy) child.ref();
    else child.unref();
  }
}

let shared: Engine | undefined;
let sharedOptions: EngineOptions = {};

/** Set how the shared engine is started (closes a running one so the next call uses the new settings). */
export function configure(options: EngineOptions): void {
  sharedOptions = { ...options };
  shared?.close();
  shared = undefined;
}

/** The engine `compress()` and the wrappers use unless given their own. */
export function sharedEngine(): Engine {
  if (!shared) shared = new Engine(sharedOptions);
  return shared;
}

/** End the shared engine (it is also ended when this process exits). */
export function closeEngine(): void {
  shared?.close();
  shared = undefined;
}
