/**
 * Benchmark 1c, allocation: bytes allocated per trivial task (benchmark 1's variants), measured as heap growth
 * with the garbage collector kept out of the way: each child runs with a 1 GiB young generation, so no collection
 * happens during the measurement (the child checks it and fails otherwise), and the growth of the heap is exactly
 * what was allocated, garbage included.
 */
import { PerformanceObserver } from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'
import { inChild } from '../child.js'
import { collectGarbage, type Benchmark } from '../harness.js'
import { startApp, tsabThroughput } from '../fixtures.js'
import { runVariant, type Variant } from '../variants.js'

// Large enough for 500,000 tasks of benchmark 1 without a scavenge.
const NODE_FLAGS = ['--max-semi-space-size=1024', '--min-semi-space-size=1024']
const MEASURED: readonly Variant[] = ['tsab', 'floor', 'effect', 'pQueueInfinity']

/** Child side: bytes allocated per task by one run of `variant` with `n` tasks, after a warm-up. */
export async function measureAllocation(variant: Variant, n: number): Promise<{ bytesPerTask: number; collections: number }> {
  // tsab's application is started and stopped outside the measurement: only the tasks count.
  const app = variant === 'tsab' ? await startApp() : undefined
  const run = (count: number): Promise<unknown> => (app !== undefined ? tsabThroughput(app, count) : runVariant(variant, count))
  // A long warm-up, so the measured run executes optimized code: bytes allocated by code that is still being
  // compiled (an interpreter's `arguments` object, say) would blur the figure, most on a busy machine.
  for (let i = 0; i < (n >= 50_000 ? 4 : 2); i++) await run(Math.min(n, 50_000))
  collectGarbage()
  let collections = 0
  const observer = new PerformanceObserver((list) => (collections += list.getEntries().length))
  observer.observe({ entryTypes: ['gc'] })
  const before = getHeapStatistics().used_heap_size
  await run(n)
  const after = getHeapStatistics().used_heap_size
  // GC entries are delivered on a later turn.
  await new Promise((resolve) => setTimeout(resolve, 50))
  observer.disconnect()
  await app?.stop()
  if (collections > 0) throw new Error(`${collections} collections during the allocation measurement of ${variant}`)
  return { bytesPerTask: (after - before) / n, collections }
}

export const allocation: Benchmark = {
  id: 'allocation',
  title: '1c. Bytes allocated per trivial task (heap growth, no GC during the run)',
  warmup: false,
  metrics: {
    tsab: { unit: 'B/task', better: 'lower' },
    floor: { unit: 'B/task', better: 'lower' },
    effect: { unit: 'B/task', better: 'lower' },
    pQueueInfinity: { unit: 'B/task', better: 'lower' },
  },
  ratios: {
    'tsab / floor': { numerator: 'tsab', denominator: 'floor' },
    'tsab / Effect': { numerator: 'tsab', denominator: 'effect' },
  },
  async round(ctx) {
    const n = ctx.quick ? 10_000 : 200_000
    const values: Record<string, number> = {}
    for (const variant of MEASURED) {
      const sample = await inChild<{ bytesPerTask: number }>(['alloc', variant, String(n)], NODE_FLAGS)
      values[variant] = sample.bytesPerTask
    }
    return values
  },
}
