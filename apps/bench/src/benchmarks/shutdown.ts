/**
 * Benchmark 5, shutdown: `app.stop()` with 100,000 running tasks that honour their signal, against aborting
 * 100,000 AbortControllers and awaiting their promises by hand.
 */
import { collectGarbage, type Benchmark } from '../harness.js'
import { nextTurn, startApp } from '../fixtures.js'

// A task that runs until its signal aborts, then rejects with the abort reason (what well-behaved I/O does).
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

async function tsabShutdown(n: number): Promise<number> {
  const app = await startApp()
  for (let i = 0; i < n; i++) app.taskService.schedule(untilAborted)
  await nextTurn()
  await nextTurn()
  if (app.taskService.stats().running !== n) throw new Error('not every task is running')
  collectGarbage()
  const started = performance.now()
  await app.stop()
  const elapsed = performance.now() - started
  const { cancelled } = app.taskService.stats()
  if (cancelled !== n) throw new Error(`expected ${n} cancelled tasks, got ${cancelled}`)
  return elapsed
}

async function handShutdown(n: number): Promise<number> {
  const controllers: AbortController[] = new Array(n)
  const promises: Array<Promise<void>> = new Array(n)
  for (let i = 0; i < n; i++) {
    const controller = new AbortController()
    controllers[i] = controller
    promises[i] = untilAborted(controller.signal)
  }
  await nextTurn()
  collectGarbage()
  const started = performance.now()
  for (const controller of controllers) controller.abort()
  await Promise.allSettled(promises)
  return performance.now() - started
}

export const shutdown: Benchmark = {
  id: 'shutdown',
  title: '5. Shutdown with 100k running tasks',
  metrics: {
    tsab: { unit: 'ms', better: 'lower' },
    byHand: { unit: 'ms', better: 'lower' },
  },
  ratios: {
    'tsab / by hand': { numerator: 'tsab', denominator: 'byHand', target: { op: '<=', value: 2 } },
  },
  async round(ctx) {
    const tsab = await tsabShutdown(ctx.n100k)
    collectGarbage()
    const byHand = await handShutdown(ctx.n100k)
    return { tsab, byHand }
  },
}
