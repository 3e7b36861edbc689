/**
 * `readDemoSettings()`: every `[demo]` value the demo server uses (and the one `[TaskService]` limit its job route
 * needs to refuse a request all at once), read and checked in one place at init-time.
 */
import type { Config } from '@tsab/core'

/**
 * The demo's settings.
 *
 * @example
 * ```ts fragment
 * const settings = readDemoSettings(app.config)
 * settings.heartbeatIntervalMs // 5000
 * ```
 */
export interface DemoSettings {
  /** `[demo] heartbeat_interval`: how often the heartbeat logs a status line. @default 5 s */
  readonly heartbeatIntervalMs: number
  /** `[demo] queue_concurrency`: queue jobs of each kind this instance runs at a time. @default 10 */
  readonly queueConcurrency: number
  /** `[TaskService] max_queued`: `POST /jobs` refuses (503) a request whose jobs would not all fit. */
  readonly maxQueued: number
}

/** The `[demo]` defaults. */
export const DEMO_DEFAULTS = { heartbeat_interval: '5s', queue_concurrency: 10 } as const

/**
 * The demo's `[TaskService]` defaults: at most 1,000 jobs run at a time and 10,000 wait; beyond that `POST /jobs`
 * answers 503 with `retry-after` (load shedding) instead of letting memory grow.
 */
export const DEMO_TASK_SERVICE_DEFAULTS = { max_concurrency: 1_000, max_queued: 10_000 } as const

/**
 * Reads and checks the demo's config; a bad value throws `TSAB_CONFIG_VALUE` naming `[demo] key`
 * (`[demo] queue_concurrency = 0` → "expected an integer >= 1 <= 1000, got 0").
 *
 * @example
 * ```ts fragment
 * readDemoSettings(new Config({ config: { demo: { heartbeat_interval: 0 } }, env: {} })) // throws: [demo] heartbeat_interval
 * ```
 */
export function readDemoSettings(config: Config): DemoSettings {
  const maxQueued = config.get('TaskService', 'max_queued')
  return {
    heartbeatIntervalMs: config.getDuration('demo', 'heartbeat_interval', 5_000, { min: 0, exclusiveMin: true, max: 86_400_000 }),
    queueConcurrency: config.getNumber('demo', 'queue_concurrency', DEMO_DEFAULTS.queue_concurrency, { min: 1, max: 1_000, integer: true }),
    // The TaskService itself checks this key; the same reading here (unset, '' or 'unlimited' is no limit).
    maxQueued:
      maxQueued === undefined || maxQueued === '' || maxQueued === 'unlimited'
        ? Infinity
        : config.getNumber('TaskService', 'max_queued', Infinity, { min: 1, integer: true, allowInfinity: true }),
  }
}
