/**
 * Benchmark 8, the blocked-loop watchdog (spec §2a): N trivial tasks through an app with the watchdog at its default
 * (`[Application] blocked_loop_warning = 500ms`, a check every 50 ms) against the same app with it off (`0`). Each
 * round runs both variants four times, in the order ABBA BAAB, so drift of the machine's load hits both alike. The
 * warnings go to a logger at warn level that discards them, so the cost of reporting the blocks the benchmark itself
 * causes (scheduling N tasks at once blocks the loop) is counted.
 */
import { Application, createLogger } from '@tsab/core'
import { collectGarbage, type Benchmark } from '../harness.js'
import { record, tsabThroughput, type Elapsed } from '../fixtures.js'

const VARIANTS = { unwatched: '0', watched: '500ms' } as const
type Variant = keyof typeof VARIANTS

async function throughputWith(variant: Variant, n: number): Promise<Elapsed> {
  const app = new Application({
    name: 'bench-loop-monitor',
    logger: createLogger({ level: 'warn', destination: { write: () => {} } }),
    handleSignals: false,
    config: { Application: { blocked_loop_warning: VARIANTS[variant] } },
  })
  await app.start()
  try {
    collectGarbage()
    return await tsabThroughput(app, n)
  } finally {
    await app.stop()
  }
}

export const loopMonitor: Benchmark = {
  id: 'loop-monitor',
  title: '8. Blocked-loop watchdog: throughput with it on (500 ms) against off',
  metrics: {
    unwatched: { unit: 'tasks/s', better: 'higher' },
    watched: { unit: 'tasks/s', better: 'higher' },
    unwatchedCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    watchedCpu: { unit: 'tasks/CPU-s', better: 'higher' },
  },
  ratios: {
    'watched / unwatched': { numerator: 'watched', denominator: 'unwatched', target: { op: '>=', value: 0.99 } },
    'CPU: watched / unwatched': { numerator: 'watchedCpu', denominator: 'unwatchedCpu', target: { op: '>=', value: 0.99 } },
  },
  async round(ctx) {
    const totals: Record<Variant, Elapsed> = { unwatched: { wallMs: 0, cpuMs: 0 }, watched: { wallMs: 0, cpuMs: 0 } }
    const [a, b]: Variant[] = ['unwatched', 'watched']
    const order: Variant[] = [a, b, b, a, b, a, a, b]
    for (const variant of order) {
      const elapsed = await throughputWith(variant, ctx.n)
      totals[variant].wallMs += elapsed.wallMs
      totals[variant].cpuMs += elapsed.cpuMs
    }
    const values: Record<string, number> = {}
    for (const variant of Object.keys(totals) as Variant[]) record(values, variant, 4 * ctx.n, totals[variant])
    return values
  },
}
