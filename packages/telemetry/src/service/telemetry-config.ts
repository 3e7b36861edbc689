/**
 * The `[telemetry]` config section: every key the TelemetryService reads, read and checked at once (at init), so a
 * bad value stops the start with a message naming `[telemetry] key`. What the values do is the service's.
 */
import { ErrorCodes, TsabError, type Config } from '@tsab/core'

/** The config section of the TelemetryService. */
export const TELEMETRY_SECTION = 'telemetry'

/** The `[telemetry]` settings, checked. */
export interface TelemetrySettings {
  /** `[telemetry] metrics`: task and runtime metrics on the registered MeterProvider (and Prometheus). @default true */
  readonly metrics: boolean
  /** `[telemetry] traces`: one span per task on the registered TracerProvider. @default true */
  readonly traces: boolean
  /**
   * `[telemetry] task_duration`: record `tsab.task.duration` (one histogram measurement per task; with the OpenTelemetry
   * SDK about 1 µs each, as the SDK hashes the attributes of every measurement). @default true
   */
  readonly taskDuration: boolean
  /** `[telemetry] runtime_metrics`: event-loop delay and utilization gauges. @default true */
  readonly runtimeMetrics: boolean
  /** `[telemetry] eventloop_resolution`: sampling period of the event-loop delay, in milliseconds. @default 10 */
  readonly eventLoopResolutionMs: number
  /** `[telemetry] max_task_names`: distinct (name, owner) series before new names report as `(other)`. @default 1000 */
  readonly maxTaskNames: number
  /** `[telemetry] prometheus`: serve the metrics in the Prometheus text format on the WebService. @default false */
  readonly prometheus: boolean
  /** `[telemetry] prometheus_path`: the path of that endpoint. @default '/metrics' */
  readonly prometheusPath: string
}

/** Every key of `[telemetry]`; anything else in the section is most likely a typo. */
export const TELEMETRY_KEYS: readonly string[] = [
  'metrics',
  'traces',
  'task_duration',
  'runtime_metrics',
  'eventloop_resolution',
  'max_task_names',
  'prometheus',
  'prometheus_path',
]

// A URL path of one or more segments: no query, fragment or blanks.
const PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/

/** The error of a `[telemetry]` value that is not what the service needs; same shape as Config's own. */
export function telemetryConfigError(key: string, value: unknown, expectation: string, cause?: unknown): TsabError {
  const shown = typeof value === 'string' ? `${JSON.stringify(value)} (string)` : `${String(value)} (${typeof value})`
  return new TsabError(
    ErrorCodes.ConfigValue,
    `Config [${TELEMETRY_SECTION}] ${key}: expected ${expectation}, got ${shown}`,
    cause === undefined ? undefined : { cause },
  )
}

/**
 * Reads and checks `[telemetry]`.
 *
 * @throws {@link TsabError} `TSAB_CONFIG_VALUE` naming `[telemetry] key`, the value and what was expected
 */
export function readTelemetrySettings(config: Config): TelemetrySettings {
  const section = TELEMETRY_SECTION
  const settings: TelemetrySettings = {
    metrics: config.getBoolean(section, 'metrics', true),
    traces: config.getBoolean(section, 'traces', true),
    taskDuration: config.getBoolean(section, 'task_duration', true),
    runtimeMetrics: config.getBoolean(section, 'runtime_metrics', true),
    // monitorEventLoopDelay takes whole milliseconds >= 1.
    eventLoopResolutionMs: config.getDuration(section, 'eventloop_resolution', 10, { min: 1, max: 60_000, integer: true }),
    maxTaskNames: config.getNumber(section, 'max_task_names', 1_000, { min: 1, max: 100_000, integer: true }),
    prometheus: config.getBoolean(section, 'prometheus', false),
    prometheusPath: config.getString(section, 'prometheus_path', '/metrics'),
  }
  if (!PATH.test(settings.prometheusPath)) {
    throw telemetryConfigError('prometheus_path', settings.prometheusPath, 'a URL path starting with "/" (no query, fragment or blanks)')
  }
  if (settings.prometheus && !settings.metrics) {
    throw telemetryConfigError('prometheus', settings.prometheus, 'false while [telemetry] metrics = false (there would be nothing to serve)')
  }
  return settings
}
