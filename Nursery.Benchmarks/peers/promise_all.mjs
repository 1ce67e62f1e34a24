#!/usr/bin/env node
// The Node 20 peer of Nursery's benchmarks: async functions joined with Promise.all, standard library only.
//
// Same shapes as the .NET console modes (dotnet run -c Release --project Nursery.Benchmarks -- MODE ...):
//   spawn  --children N [--runs R] [--yield immediate|microtask]
//            N children each yield once and return an int; Promise.all joins them; the parent sums the results.
//            The yield is `await new Promise(r => setImmediate(r))` by default: a real trip through the event loop,
//            like asyncio.sleep(0) and EventLoop.Yield. `--yield microtask` uses `await null` instead, which only
//            requeues on the microtask queue (cheaper, but never lets timers or I/O in).
//   timers --children N [--runs R]   N children each sleep a random 0-50 ms (timers/promises setTimeout).
//   fanout --children N [--runs R] [--cancel signal|shared]
//            N siblings sleep for an hour, one more child fails and aborts the shared AbortController; time from the
//            failure until the join (Promise.allSettled) has every sibling settled and the failure is rethrown.
//            Promise.all alone would reject at once without joining the siblings. `--cancel signal` (the default)
//            passes the signal to each sleep, the idiom; but every sleep then adds its own 'abort' listener, and
//            EventTarget checks each new listener against all the others, so setting up N siblings is O(N²)
//            (measured: 20k siblings 15 s, 40k 43 s). `--cancel shared` is what an engineer does at 100k: one
//            listener that rejects a Set of pending sleeps. The time from failure to rethrow is linear either way.
//            `--finally throw`: every cancelled sibling also throws from its finally block (N + 1 failures).
//   nesting --depth D [--levels L] [--runs R]
//            a chain of D nested joins (each level starts the next and awaits Promise.all of it; the innermost yields
//            once), repeated until about L levels have run: ns per level.
//   memory --children N              N children sleeping at once: peak RSS (resourceUsage().maxRSS), RSS growth.
// Each prints a human line and a 'RESULT {json}' line with the same fields as the .NET side.
// Run with --expose-gc so runs start from a collected heap (compare.sh does).
import { setTimeout as sleep } from 'node:timers/promises';
import process from 'node:process';
import { setMaxListeners } from 'node:events';

const args = process.argv.slice(2);
const shape = args[0];
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const n = Number(String(option('children', '100000')).replaceAll('_', ''));
const runs = Number(option('runs', '5'));
const yieldKind = option('yield', 'immediate');
const cancelKind = option('cancel', 'signal');
const siblingsThrow = option('finally', 'none') === 'throw';
const depth = Number(option('depth', '100'));
const repetitions = Math.max(1, Math.floor(Number(option('levels', '20000')) / depth));

const collect = () => globalThis.gc?.();
const nowNs = () => process.hrtime.bigint();
const peakMiB = () => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB

function emit(fields, size = n) {
  const impl = shape === 'spawn' ? `Promise.all, ${yieldKind} yield`
    : shape === 'fanout' ? `Promise.allSettled + AbortController, ${cancelKind} listener` : 'Promise.all';
  const reported = shape === 'fanout' && siblingsThrow ? 'fanout-finally' : shape;
  const result = { runtime: `node ${process.versions.node}`, shape: reported, impl, n: size, ...fields, peak_mib: peakMiB() };
  for (const [k, v] of Object.entries(result)) if (typeof v === 'number' && !Number.isInteger(v)) result[k] = Math.round(v * 100) / 100;
  console.log('RESULT ' + JSON.stringify(result));
}

const yieldOnce = yieldKind === 'microtask' ? () => null : () => new Promise(resolve => setImmediate(resolve));

async function child() {
  await yieldOnce();
  return 1;
}

async function spawnJoin(count) {
  const children = new Array(count);
  for (let i = 0; i < count; i++) children[i] = child();
  const results = await Promise.all(children);
  let sum = 0;
  for (const r of results) sum += r;
  return sum;
}

async function sleepThenReturn(ms, signal) {
  await sleep(ms, undefined, signal ? { signal } : undefined);
  return 1;
}

// A fixed-seed generator (mulberry32), so every run sleeps the same delays.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function timers(count) {
  const next = random(42);
  const children = new Array(count);
  for (let i = 0; i < count; i++) children[i] = sleepThenReturn(Math.floor(next() * 51));
  const results = await Promise.all(children);
  return results.reduce((a, b) => a + b, 0);
}

class Failure extends Error {}

// Sleeps that one 'abort' listener rejects all at once (see --cancel shared above).
function sharedCancellableSleep(signal) {
  const pending = new Set();
  signal.addEventListener('abort', () => {
    for (const entry of pending) {
      clearTimeout(entry.timer);
      entry.reject(signal.reason);
    }
    pending.clear();
  }, { once: true });
  return ms => new Promise((resolve, reject) => {
    const entry = { reject, timer: setTimeout(() => { pending.delete(entry); resolve(); }, ms) };
    pending.add(entry);
  });
}

// Cleanup that fails while its sibling is being cancelled: the point of --finally throw.
async function failInFinally(sleeping) {
  try {
    return await sleeping();
  } finally {
    // eslint-disable-next-line no-unsafe-finally
    throw new Failure('cleanup failed while the sibling was cancelled');
  }
}

async function fanout(count) {
  const controller = new AbortController();
  setMaxListeners(count + 1, controller.signal); // one listener per sleeping sibling is the point here
  const sleepShared = cancelKind === 'shared' ? sharedCancellableSleep(controller.signal) : null;
  const sleeper = sleepShared
    ? async () => { await sleepShared(3_600_000); return 1; }
    : () => sleepThenReturn(3_600_000, controller.signal);
  const sibling = siblingsThrow ? () => failInFinally(sleeper) : sleeper;
  let failedAt = 0n;
  const children = new Array(count + 1);
  for (let i = 0; i < count; i++) children[i] = sibling();
  children[count] = (async () => {
    await yieldOnce(); // every sibling is asleep by now
    failedAt = nowNs();
    controller.abort();
    throw new Failure('a child failed on purpose');
  })();
  const settled = await Promise.allSettled(children);
  const failures = settled.filter(s => s.status === 'rejected' && s.reason instanceof Failure);
  if (failures.length !== (siblingsThrow ? count + 1 : 1)) throw new Error(`expected ${siblingsThrow ? count + 1 : 1} failures, got ${failures.length}`);
  const failure = failures.find(s => s.reason.message === 'a child failed on purpose') ?? failures[0];
  try {
    if (failure) throw failure.reason;
  } catch (e) {
    if (e instanceof Failure) return Number(nowNs() - failedAt) / 1e6;
    throw e;
  }
  throw new Error('the failure did not come out of the join');
}

// Every runtime warms up for the same time before it is measured: long enough for .NET's tiered JIT and V8's
// optimizing tiers to replace their first code, so a small N measures the steady state, not the compiler.
const warmUpNs = 1_000_000_000n;

// Warm-up runs for at least warmUpNs (at least one), then the best and median of `runs`; ns per unit of work (`units`
// per run: children by default).
async function timed(make, { units = n, unit = 'child', size = n, fields = {} } = {}) {
  const warmUntil = nowNs() + warmUpNs;
  let check = await make(n);
  while (nowNs() < warmUntil) check = await make(n);
  const times = [];
  for (let r = 0; r < runs; r++) {
    collect();
    const start = nowNs();
    check = await make(n);
    times.push(Number(nowNs() - start));
  }
  times.sort((a, b) => a - b);
  const best = times[0];
  const median = times[Math.floor(times.length / 2)];
  console.log(`${shape}: ${units.toLocaleString('en')} x ${unit}: best ${(best / 1e6).toFixed(1)} ms (${(best / units).toFixed(0)} ns/${unit}), median ${(median / 1e6).toFixed(1)} ms`);
  emit({ runs, [`ns_per_${unit}`]: best / units, [`ns_per_${unit}_median`]: median / units, checksum: check, ...fields }, size);
}

// One level of the nesting chain: start the next level and join it with Promise.all.
async function level(d) {
  if (d === 0) return child();
  const [inner] = await Promise.all([level(d - 1)]);
  return inner;
}

async function nesting() {
  let sum = 0;
  for (let r = 0; r < repetitions; r++) sum += await level(depth);
  return sum;
}

async function fanoutLatency() {
  await fanout(n); // warm-up
  const times = [];
  for (let r = 0; r < runs; r++) {
    collect();
    times.push(await fanout(n));
  }
  times.sort((a, b) => a - b);
  console.log(`${n.toLocaleString('en')} sleeping siblings, one fails: failure -> join rethrows best ${times[0].toFixed(1)} ms, median ${times[Math.floor(times.length / 2)].toFixed(1)} ms`);
  emit({ runs, fanout_ms: times[0], fanout_ms_median: times[Math.floor(times.length / 2)] });
}

async function memory() {
  collect();
  const before = process.memoryUsage().rss;
  const start = nowNs();
  const children = new Array(n);
  for (let i = 0; i < n; i++) children[i] = sleepThenReturn(3000);
  collect();
  const allAsleep = process.memoryUsage().rss;
  const results = await Promise.all(children);
  const seconds = Number(nowNs() - start) / 1e9;
  if (results.length !== n) throw new Error('lost results');
  const perChild = (allAsleep - before) / n;
  console.log(`${n.toLocaleString('en')} children sleeping at once: peak RSS ${peakMiB().toFixed(0)} MiB (RSS ${(before / 2 ** 20).toFixed(0)} MiB before, ${(allAsleep / 2 ** 20).toFixed(0)} MiB with all asleep), RSS growth ${perChild.toFixed(0)} B/child, ${seconds.toFixed(2)} s`);
  emit({ rss_b_per_child: perChild, ws_before_mib: before / 2 ** 20, ws_all_asleep_mib: allAsleep / 2 ** 20, seconds });
}

switch (shape) {
  case 'spawn': await timed(spawnJoin); break;
  case 'timers': await timed(timers); break;
  case 'fanout': await fanoutLatency(); break;
  case 'memory': await memory(); break;
  case 'nesting': await timed(nesting, { units: depth * repetitions, unit: 'level', size: depth, fields: { repetitions } }); break;
  default:
    console.error('usage: node --expose-gc promise_all.mjs spawn|timers|fanout|memory|nesting --children N [--runs R] [--yield immediate|microtask] [--finally none|throw] [--depth D]');
    process.exit(2);
}
