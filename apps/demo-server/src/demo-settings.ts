/**
 * `readDemoSettings()`: every `[demo]` value the demo server uses, read and checked in one place at init-time.
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
}

/** The `[demo]` defaults. */
export const DEMO_DEFAULTS = { heartbeat_interval: '5s', queue_concurrency: 10 } as const

/**
 * The demo's `[web]` defaults (the WebService's own apply to every other key): request bodies up to 16 KiB (a job
 * request is a few dozen bytes; 413 above), and the live task dashboard on at `/tsab/` (the default listen address
 * is loopback, so it needs no token; listening elsewhere needs `[web] dashboard_token`).
 */
export const DEMO_WEB_DEFAULTS = { body_limit: 16_384, dashboard: true } as const

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
  return {
    heartbeatIntervalMs: config.getDuration('demo', 'heartbeat_interval', 5_000, { min: 0, exclusiveMin: true, max: 86_400_000 }),
    queueConcurrency: config.getNumber('demo', 'queue_concurrency', DEMO_DEFAULTS.queue_concurrency, { min: 1, max: 1_000, integer: true }),
  }
}
