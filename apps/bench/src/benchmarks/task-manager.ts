/**
 * Benchmark 6, TaskManager and RequestCache: 100,000 periodic tasks registered and fired once, against
 * re-arming `setTimeout` timers by hand; 100,000 RequestCache entries added and popped, against a `Map` of
 * entries that each arm and clear a timeout.
 */
import { NumberCache, RequestCache, TaskManager, createLogger, type Application } from '@tsab/core'
import { collectGarbage, type Benchmark } from '../harness.js'
import { startApp } from '../fixtures.js'

// Long enough that the second round of firing never happens while we measure.
const INTERVAL_MS = 60_000
const silent = createLogger({ level: 'silent' })

class BenchCache extends NumberCache {}

// Registers n periodic tasks (first run at once) and resolves with the ms until each has run once.
async function tsabPeriodic(app: Application, n: number): Promise<number> {
  const manager = new TaskManager({ name: 'bench', taskService: app.taskService, logger: silent })
  let fired = 0
  let allFired!: () => void
  const done = new Promise<void>((resolve) => (allFired = resolve))
  const tick = (): void => {
    if (++fired === n) allFired()
  }
  const started = performance.now()
  for (let i = 0; i < n; i++) manager.registerTask(`periodic ${i}`, tick, { delay: 0, interval: INTERVAL_MS })
  await done
  const elapsed = performance.now() - started
  await manager.shutdownTaskManager()
  return elapsed
}

// The same by hand: one timer per task that fires at once and re-arms itself with the interval.
async function handPeriodic(n: number): Promise<number> {
  const timers = new Map<string, NodeJS.Timeout>()
  let fired = 0
  let allFired!: () => void
  const done = new Promise<void>((resolve) => (allFired = resolve))
  const started = performance.now()
  for (let i = 0; i < n; i++) {
    const name = `periodic ${i}`
    const run = (): void => {
      if (++fired === n) allFired()
      timers.set(name, setTimeout(run, INTERVAL_MS))
    }
    timers.set(name, setTimeout(run, 0))
  }
  await done
  const elapsed = performance.now() - started
  for (const timer of timers.values()) clearTimeout(timer)
  return elapsed
}

function tsabCache(n: number): number {
  const cache = new RequestCache({ logger: silent })
  const started = performance.now()
  for (let i = 0; i < n; i++) cache.add(new BenchCache(cache, 'bench', i))
  for (let i = 0; i < n; i++) cache.pop('bench', i)
  const elapsed = performance.now() - started
  if (cache.size !== 0) throw new Error('RequestCache kept entries')
  return elapsed
}

function handCache(n: number): number {
  const entries = new Map<string, { prefix: string; number: number; timer: NodeJS.Timeout }>()
  const started = performance.now()
  for (let i = 0; i < n; i++) {
    const key = `bench:${i}`
    entries.set(key, { prefix: 'bench', number: i, timer: setTimeout(() => entries.delete(key), 10_000) })
  }
  for (let i = 0; i < n; i++) {
    const key = `bench:${i}`
    clearTimeout(entries.get(key)!.timer)
    entries.delete(key)
  }
  return performance.now() - started
}

export const taskManager: Benchmark = {
  id: 'task-manager',
  title: '6. TaskManager (100k periodic tasks, one firing) and RequestCache (100k add + pop)',
  metrics: {
    tsabPeriodic: { unit: 'ms', better: 'lower' },
    handPeriodic: { unit: 'ms', better: 'lower' },
    tsabCache: { unit: 'ms', better: 'lower' },
    handCache: { unit: 'ms', better: 'lower' },
  },
  ratios: {
    'periodic: tsab / by hand': { numerator: 'tsabPeriodic', denominator: 'handPeriodic' },
    'RequestCache: tsab / by hand': { numerator: 'tsabCache', denominator: 'handCache' },
  },
  async round(ctx) {
    const app = await startApp()
    let tsabPeriodicMs: number
    try {
      tsabPeriodicMs = await tsabPeriodic(app, ctx.n100k)
    } finally {
      await app.stop()
    }
    collectGarbage()
    const handPeriodicMs = await handPeriodic(ctx.n100k)
    collectGarbage()
    const tsabCacheMs = tsabCache(ctx.n100k)
    collectGarbage()
    const handCacheMs = handCache(ctx.n100k)
    return { tsabPeriodic: tsabPeriodicMs, handPeriodic: handPeriodicMs, tsabCache: tsabCacheMs, handCache: handCacheMs }
  },
}
