/**
 * `TelemetryService`: OpenTelemetry metrics and traces for every task of the application (spec §12), through
 * `@opentelemetry/api` and the TaskService's public observer API, plus Node runtime metrics and an optional
 * Prometheus endpoint on the WebService. This file wires the parts and owns their lifecycle; the parts live in
 * `tasks/`, `runtime/` and `prometheus/`.
 */
import { ErrorCodes, Service, TsabError, type Application, type Logger } from '@tsab/core'
import type { Meter, Tracer } from '@opentelemetry/api'
import { globalMeter, globalTracer } from '../internal/sdk-detection.js'
import { isRouteHost, PrometheusEndpoint } from '../prometheus/prometheus-endpoint.js'
import { RuntimeMetrics } from '../runtime/runtime-metrics.js'
import { TaskMetrics } from '../tasks/task-metrics.js'
import { TaskSeriesTable } from '../tasks/task-series.js'
import { TaskTracing } from '../tasks/task-tracing.js'
import { readTelemetrySettings, TELEMETRY_KEYS, TELEMETRY_SECTION, type TelemetrySettings } from './telemetry-config.js'

/** The name the web layer registers its service under (spec §11). */
const WEB_SERVICE = 'WebService'

/**
 * Makes the application's tasks visible to OpenTelemetry: metrics, one span per task, and Node runtime metrics.
 *
 * It uses `@opentelemetry/api` only: register an SDK (a `MeterProvider`, a `TracerProvider`) **before the
 * application starts**, and the service reports to it. At init it looks once: with no SDK registered (and no
 * Prometheus endpoint) it registers nothing at all, so the application pays nothing.
 *
 * - Metrics: `tsab.task.finished` (counter), `tsab.task.duration` (histogram, seconds), `tsab.task.active`
 *   (`queued` / `running`), `tsab.task.restarts` and the runtime gauges `nodejs.eventloop.delay.p50` / `.p99` /
 *   `.max` and `nodejs.eventloop.utilization` (see {@link TelemetryMetrics}). Task names are bounded (see
 *   {@link boundedTaskName}).
 * - Traces: one span per task named after its bounded name, kind INTERNAL, **linked** to the span active where the
 *   task was scheduled; the task's function runs with its span active, so the spans it creates are children. A
 *   failed task records its exception and sets status ERROR; every span carries `tsab.task.state`.
 * - `[telemetry] prometheus = true` serves `GET /metrics` in the Prometheus text format on the WebService
 *   (`@tsab/web`), which must be registered too.
 *
 * Config `[telemetry]`: `metrics`, `traces`, `task_duration`, `runtime_metrics` (booleans, default on), `eventloop_resolution`
 * (duration, default `10ms`), `max_task_names` (default 1000), `prometheus` (default off), `prometheus_path`
 * (default `/metrics`); all checked at init. Register the service first, so it is finalized last and still sees
 * the tasks other services end in their own `finalize()`.
 *
 * @example
 * ```ts
 * import { Application } from '@tsab/core'
 * import { TelemetryService } from '@tsab/telemetry'
 * const app = new Application({ name: 'worker' })
 * const telemetry = app.addService(TelemetryService)
 * await app.start()
 * console.log(telemetry.isMeasuring, telemetry.isTracing) // false false: no SDK registered
 * await app.stop()
 * ```
 */
export class TelemetryService extends Service {
  /** The service name. */
  static readonly serviceName = 'TelemetryService'

  // Undo functions of everything initialize() registered, in registration order.
  #stopObserving: Array<() => void> = []
  #metrics: TaskMetrics | undefined
  #tracing: TaskTracing | undefined
  #runtime: RuntimeMetrics | undefined
  #prometheus: PrometheusEndpoint | undefined

  constructor(app: Application) {
    super(app, TelemetryService.serviceName)
  }

  /** True while task metrics are recorded (an SDK MeterProvider is registered, or Prometheus is on). */
  get isMeasuring(): boolean {
    return this.#metrics !== undefined
  }

  /** True while tasks are traced (an SDK TracerProvider is registered). */
  get isTracing(): boolean {
    return this.#tracing !== undefined
  }

  /**
   * Reads `[telemetry]`, finds the registered SDK, mounts the Prometheus endpoint when asked and starts observing
   * the TaskService.
   *
   * @throws `TsabError` with code `TSAB_CONFIG_VALUE` for a bad `[telemetry]` value, or `prometheus = true` without a
   * WebService
   */
  override initialize(): void {
    const settings = readTelemetrySettings(this.app.config)
    this.#warnUnknownKeys()
    const prometheus = settings.prometheus ? mountPrometheus(this.app, settings.prometheusPath) : undefined
    this.#prometheus = prometheus
    const meters: Meter[] = []
    if (settings.metrics) {
      const meter = globalMeter()
      if (meter !== undefined) meters.push(meter)
      if (prometheus !== undefined) meters.push(prometheus.meter)
    }
    const tracer = settings.traces ? globalTracer() : undefined
    if (meters.length > 0) this.#startMetrics(meters, settings)
    if (tracer !== undefined) this.#startTracing(tracer)
    this.#logStart(settings, meters.length > 0, tracer !== undefined)
  }

  /** Stops observing the TaskService, ends the spans still open, stops the runtime monitor and the endpoint. */
  override async finalize(): Promise<void> {
    for (const stop of this.#stopObserving.splice(0)) stop()
    this.#tracing?.close()
    this.#metrics?.close()
    this.#runtime?.close()
    this.#tracing = undefined
    this.#metrics = undefined
    this.#runtime = undefined
    const prometheus = this.#prometheus
    this.#prometheus = undefined
    await prometheus?.close()
  }

  #startMetrics(meters: readonly Meter[], settings: TelemetrySettings): void {
    const table = new TaskSeriesTable(settings.maxTaskNames, (name, owner) =>
      this.logger.warn(
        { task: name, owner, limit: settings.maxTaskNames },
        `More than ${settings.maxTaskNames} task names ([telemetry] max_task_names): "${name}" and later new names report as "(other)"`,
      ),
    )
    const metrics = new TaskMetrics(meters, table, settings.taskDuration)
    const taskService = this.app.taskService
    // Snapshot and registration in one synchronous step: no task changes state in between.
    metrics.seed(taskService.list())
    this.#stopObserving.push(taskService.observe(metrics))
    this.#metrics = metrics
    if (settings.runtimeMetrics) this.#runtime = new RuntimeMetrics(meters, settings.eventLoopResolutionMs)
  }

  #startTracing(tracer: Tracer): void {
    const tracing = new TaskTracing(tracer)
    this.#stopObserving.push(this.app.taskService.observe(tracing))
    this.#tracing = tracing
  }

  #warnUnknownKeys(): void {
    const unknown = Object.keys(this.app.config.section(TELEMETRY_SECTION)).filter((key) => !TELEMETRY_KEYS.includes(key.toLowerCase()))
    if (unknown.length > 0) {
      this.logger.warn({ keys: unknown }, `Unknown keys in [${TELEMETRY_SECTION}] (ignored): ${unknown.join(', ')}; known: ${TELEMETRY_KEYS.join(', ')}`)
    }
  }

  #logStart(settings: TelemetrySettings, measuring: boolean, tracing: boolean): void {
    const log: Logger = this.logger
    if (!measuring && !tracing) {
      log.debug('No OpenTelemetry SDK registered (and [telemetry] prometheus is off): tasks are not instrumented')
      return
    }
    log.info(
      { metrics: measuring, traces: tracing, prometheus: settings.prometheus ? settings.prometheusPath : false },
      `Telemetry on: metrics ${measuring ? 'on' : 'off'}, traces ${tracing ? 'on' : 'off'}${settings.prometheus ? `, Prometheus at GET ${settings.prometheusPath}` : ''}`,
    )
  }
}

/** Mounts the Prometheus endpoint on the WebService's Fastify instance, or explains why it cannot. */
function mountPrometheus(app: Application, path: string): PrometheusEndpoint {
  if (!app.hasService(WEB_SERVICE)) {
    throw new TsabError(
      ErrorCodes.ConfigValue,
      `Config [${TELEMETRY_SECTION}] prometheus = true serves ${path} on the ${WEB_SERVICE} (@tsab/web), but no service named "${WEB_SERVICE}" is registered: add it with app.addService(WebService), or set [${TELEMETRY_SECTION}] prometheus = false`,
    )
  }
  const server = (app.getService(WEB_SERVICE) as unknown as { server?: unknown }).server
  if (!isRouteHost(server)) {
    throw new TsabError(
      ErrorCodes.ConfigValue,
      `Config [${TELEMETRY_SECTION}] prometheus = true needs the ${WEB_SERVICE}'s \`server\` to be a Fastify instance, got ${server === null ? 'null' : typeof server}`,
    )
  }
  try {
    return new PrometheusEndpoint(server, path, app.name)
  } catch (error) {
    throw new TsabError(
      ErrorCodes.ConfigValue,
      `Config [${TELEMETRY_SECTION}] prometheus = true: could not add GET ${path} to the ${WEB_SERVICE} (${error instanceof Error ? error.message : String(error)}); register the TelemetryService before the ${WEB_SERVICE} starts listening`,
      { cause: error },
    )
  }
}
