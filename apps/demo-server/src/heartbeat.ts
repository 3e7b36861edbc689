/**
 * The demo's heartbeat: a `runForever` function that logs a one-line status every few seconds.
 * If it ever threw, the TaskService would log it and start it again after a backoff.
 */
import { sleep, type Application, type ForeverSpec } from '@tsab/core'

/**
 * A `runForever` spec logging how much work is in flight every `intervalMs` until it is cancelled at shutdown.
 * Its wait honours the runner's signal (`sleep` rejects with `CancelledError`), so shutdown never waits for it.
 *
 * @example
 * ```ts fragment
 * app.taskService.runForever(heartbeat(app, 5_000))
 * ```
 */
export function heartbeat(app: Application, intervalMs: number): ForeverSpec {
  return {
    name: 'heartbeat',
    run: async (signal) => {
      for (;;) {
        await sleep(intervalMs, { signal, clock: app.clock })
        const { running, queued, succeeded, failed, cancelled } = app.taskService.stats()
        app.logger.info({ running, queued, succeeded, failed, cancelled }, 'heartbeat')
      }
    },
  }
}
