/**
 * Benchmark `workers` (`@tsab/workers`): (a) the event loop's p99 delay while 4 runs of ~1 s of pure CPU
 * execute in the pool, against the same 4 runs on the main thread; (b) runs per second of a trivial worker function
 * through `WorkerPoolService.run()` against a bare Piscina pool's `run()` in the same process and round, with 64
 * runs in flight and one at a time (and, for reference, against Piscina's `run()` given an AbortSignal).
 *
 * Pool size: 1 thread for both (the machine has 2 cores: one for the event loop, one for the pool, which is also
 * `[workers] threads`' default there, available parallelism − 1).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { Application, createLogger, type TaskHandle } from '@tsab/core'
import { WorkerPoolService } from '@tsab/workers'
import { Piscina } from 'piscina'
import type { Benchmark } from '../harness.js'
import { nextTurn } from '../fixtures.js'

const THREADS = 1
const CPU_RUNS = 4
const IN_FLIGHT = 64

// The worker modules are written to a temporary folder: a pure-JavaScript CPU loop and an identity function.
const SPIN_SOURCE = `export default function spin(iterations) {
  let x = 0
  for (let i = 0; i < iterations; i++) x = (Math.imul(x, 31) + i) | 0
  return x
}
`
const TRIVIAL_SOURCE = 'export default function identity(value) { return value }\n'

interface Modules {
  readonly dir: string
  readonly spin: URL
  readonly trivial: URL
}

let modules: Modules | undefined
function workerModules(): Modules {
  if (modules === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'tsab-bench-workers-'))
    writeFileSync(join(dir, 'spin.mjs'), SPIN_SOURCE)
    writeFileSync(join(dir, 'trivial.mjs'), TRIVIAL_SOURCE)
    modules = { dir, spin: pathToFileURL(join(dir, 'spin.mjs')), trivial: pathToFileURL(join(dir, 'trivial.mjs')) }
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  }
  return modules
}

// Iterations of the CPU loop that take `targetMs` on this machine's main thread, measured once per process.
const calibrated = new Map<number, number>()
async function calibrate(targetMs: number): Promise<number> {
  const cached = calibrated.get(targetMs)
  if (cached !== undefined) return cached
  const { default: spin } = (await import(workerModules().spin.href)) as { default: (n: number) => number }
  let iterations = 1_000_000
  for (;;) {
    const start = performance.now()
    spin(iterations)
    const ms = performance.now() - start
    if (ms > 50) {
      iterations = Math.round((iterations * targetMs) / ms)
      break
    }
    iterations *= 4
  }
  calibrated.set(targetMs, iterations)
  return iterations
}

async function startPool(): Promise<{ app: Application; pool: WorkerPoolService }> {
  const app = new Application({ name: 'bench', logger: createLogger({ level: 'silent' }), config: { workers: { threads: THREADS, cancel_grace: 0 } } })
  const pool = app.addService(WorkerPoolService)
  await app.start()
  return { app, pool }
}

/** p99 of the event loop's delay in ms while `work` runs. */
async function loopDelayP99(work: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 5 })
  histogram.enable()
  try {
    await work()
  } finally {
    histogram.disable()
  }
  return histogram.percentile(99) / 1e6
}

async function poolLoopDelay(iterations: number): Promise<{ p99: number; wallMs: number }> {
  const { app, pool } = await startPool()
  try {
    await pool.run(workerModules().spin, 1_000).result // the thread is up and the module loaded
    const start = performance.now()
    const p99 = await loopDelayP99(() => Promise.all(Array.from({ length: CPU_RUNS }, () => pool.run(workerModules().spin, iterations).result)))
    return { p99, wallMs: performance.now() - start }
  } finally {
    await app.stop()
  }
}

async function mainLoopDelay(iterations: number): Promise<{ p99: number; runMs: number }> {
  const { default: spin } = (await import(workerModules().spin.href)) as { default: (n: number) => number }
  const durations: number[] = []
  const p99 = await loopDelayP99(async () => {
    for (let i = 0; i < CPU_RUNS; i++) {
      const start = performance.now()
      spin(iterations)
      durations.push(performance.now() - start)
      await nextTurn()
    }
  })
  return { p99, runMs: durations.reduce((a, b) => a + b, 0) / durations.length }
}

/** Milliseconds `n` runs take through `run`, `IN_FLIGHT` of them in flight at a time. */
async function timeRuns(n: number, run: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < n) await run(next++)
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
  return performance.now() - start
}

/** Milliseconds `n` runs take through `run`, one at a time (each waits for the previous one's result). */
async function timeSequential(n: number, run: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now()
  for (let i = 0; i < n; i++) await run(i)
  return performance.now() - start
}

type Timer = (n: number, run: (i: number) => Promise<unknown>) => Promise<number>

/**
 * Runs per second of a trivial worker function through tsab's `run()`, a bare Piscina pool's `run(payload)` and
 * Piscina's `run(payload, { signal })` (what cancelling a run needs there), measured in alternating slices of
 * `n / SLICES` runs so all sides see the same machine (the 2 cores are shared and noisy).
 */
async function overhead(n: number, time: Timer): Promise<{ tsab: number; piscina: number; piscinaSignal: number }> {
  const SLICES = 10
  const trivial = workerModules().trivial
  const { app, pool } = await startPool()
  // A bare pool as its documentation starts one, with the same size and a module that does the same.
  const piscina = new Piscina({ filename: trivial.href, minThreads: THREADS, maxThreads: THREADS })
  let last: TaskHandle | undefined
  const sides = [
    (i: number): Promise<unknown> => (last = pool.run(trivial, i)).result,
    (i: number): Promise<unknown> => piscina.run(i),
    (i: number): Promise<unknown> => piscina.run(i, { signal: new AbortController().signal }),
  ]
  const totals = [0, 0, 0]
  try {
    for (const side of sides) await time(Math.min(n, 2_000), side) // warm-up: threads up, modules loaded, code optimised
    const slice = Math.ceil(n / SLICES)
    for (let i = 0; i < SLICES; i++) {
      // Rotate which side goes first, so none always runs on a warmer (or more tired) moment.
      for (let k = 0; k < sides.length; k++) {
        const side = (i + k) % sides.length
        totals[side]! += await time(slice, sides[side]!)
      }
    }
    if (last?.state !== 'succeeded') throw new Error('the last tsab run did not succeed')
    const perSecond = (ms: number): number => (slice * SLICES) / (ms / 1000)
    return { tsab: perSecond(totals[0]!), piscina: perSecond(totals[1]!), piscinaSignal: perSecond(totals[2]!) }
  } finally {
    await app.stop()
    await piscina.destroy()
  }
}

export const workers: Benchmark = {
  id: 'workers',
  title: 'Worker threads: event-loop delay under CPU load, and run() overhead vs bare Piscina (pool of 1 thread on 2 cores)',
  warmup: false,
  metrics: {
    poolLoopP99: { unit: 'ms', better: 'lower' },
    mainLoopP99: { unit: 'ms', better: 'higher' },
    cpuRunMs: { unit: 'ms', better: 'lower' },
    poolWallMs: { unit: 'ms', better: 'lower' },
    oneSecond: { unit: 'ms', better: 'lower' },
    tsabRunsPerSec: { unit: 'runs/s', better: 'higher' },
    piscinaRunsPerSec: { unit: 'runs/s', better: 'higher' },
    piscinaSignalRunsPerSec: { unit: 'runs/s', better: 'higher' },
    tsabSequentialPerSec: { unit: 'runs/s', better: 'higher' },
    piscinaSequentialPerSec: { unit: 'runs/s', better: 'higher' },
  },
  ratios: {
    'tsab run() / bare Piscina run(), 64 in flight': { numerator: 'tsabRunsPerSec', denominator: 'piscinaRunsPerSec', target: { op: '>=', value: 0.9 } },
    'tsab run() / bare Piscina run(), one at a time': { numerator: 'tsabSequentialPerSec', denominator: 'piscinaSequentialPerSec', target: { op: '>=', value: 0.9 } },
    'tsab run() / Piscina run() with a signal, 64 in flight': { numerator: 'tsabRunsPerSec', denominator: 'piscinaSignalRunsPerSec' },
    'main-thread loop p99 / 1 s': { numerator: 'mainLoopP99', denominator: 'oneSecond', target: { op: '>=', value: 1 } },
  },
  targets: {
    poolLoopP99: { op: '<', value: 20 },
  },
  async round(ctx) {
    // ~1 s per CPU run in a full run (a little over, so 4 of them block the main thread for more than 1 s each).
    const iterations = await calibrate(ctx.quick ? 120 : 1_100)
    const main = await mainLoopDelay(iterations)
    const inPool = await poolLoopDelay(iterations)
    const pipelined = await overhead(ctx.quick ? 5_000 : 50_000, timeRuns)
    const sequential = await overhead(ctx.quick ? 1_000 : 10_000, timeSequential)
    return {
      poolLoopP99: inPool.p99,
      mainLoopP99: main.p99,
      cpuRunMs: main.runMs,
      poolWallMs: inPool.wallMs,
      oneSecond: 1_000,
      tsabRunsPerSec: pipelined.tsab,
      piscinaRunsPerSec: pipelined.piscina,
      piscinaSignalRunsPerSec: pipelined.piscinaSignal,
      tsabSequentialPerSec: sequential.tsab,
      piscinaSequentialPerSec: sequential.piscina,
    }
  },
}
