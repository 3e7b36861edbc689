/**
 * `DemoApp`: the demo server's Application. It only wires things together: services, settings, routes and the
 * heartbeat. Starting, signals, HTTP and shutdown order come from `Application` and the WebService.
 */
import { QueueService } from '@tsab/bullmq'
import { Application, type ApplicationOptions } from '@tsab/core'
import { WebService } from '@tsab/web'
import { DEMO_DEFAULTS, DEMO_TASK_SERVICE_DEFAULTS, readDemoSettings, type DemoSettings } from './demo-settings.js'
import { heartbeat } from './heartbeat.js'
import { defineQueueJobs } from './queue-jobs.js'
import { addDemoRoutes } from './routes.js'
import { StatsService } from './stats-service.js'

/**
 * The demo server: an HTTP API that schedules fire-and-forget jobs on the TaskService (or, with
 * `"distributed": true`, on the QueueService) and reports on them.
 *
 * Config: `[web] …` (see `@tsab/web`: listen on `127.0.0.1:8080` by default, env `PORT` overrides the port),
 * `[demo] heartbeat_interval` (default `5s`), `[demo] queue_concurrency` (queue jobs of each kind this instance runs
 * at a time, default `10`), `[TaskService] max_concurrency` / `max_queued` (default 1,000 / 10,000: more jobs are
 * refused with 503), `[redis] url` or env `REDIS_URL` (share the queue jobs with every instance on that Redis;
 * default: in-process memory backend). Every value is checked at start. Any key can be set from the environment
 * as `TSAB__<SECTION>__<KEY>`, e.g. `TSAB__WEB__LISTEN=0.0.0.0:8080`.
 *
 * @example
 * ```ts fragment
 * import 'reflect-metadata'
 * import { DemoApp } from './demo-app.js'
 * process.exitCode = await new DemoApp().run() // Ctrl-C stops it gracefully with exit code 0
 * ```
 */
export class DemoApp extends Application {
  /** Per-kind counters of finished jobs. */
  readonly stats: StatsService
  /** Distributed jobs (memory backend, or BullMQ with `REDIS_URL`). */
  readonly queues: QueueService
  /** HTTP: the demo's routes, the health probes, the phased stop. */
  readonly web: WebService
  #settings: DemoSettings | undefined
  // When run-time started (app clock), for GET /health's uptime.
  #runningSince: number | undefined

  constructor(options: ApplicationOptions = {}) {
    super({ name: 'demo-server', ...options })
    this.config.addDefaults('demo', DEMO_DEFAULTS)
    this.config.addDefaults('TaskService', DEMO_TASK_SERVICE_DEFAULTS)
    // Registration order is initialization order, and finalization runs in reverse. The WebService drains its
    // requests before anything is finalized (beforeFinalize); then the QueueService closes (its running jobs are
    // aborted and, with Redis, handed back) while the StatsService still counts them; the TaskService, which runs
    // the job handlers, is always finalized last.
    this.stats = this.addService(StatsService)
    this.queues = this.addService(QueueService)
    this.web = this.addService(WebService)
  }

  /** Milliseconds since run-time started (0 before). */
  get uptimeMs(): number {
    return this.#runningSince === undefined ? 0 : Math.round(this.clock.now() - this.#runningSince)
  }

  /** Checks the demo's config (a bad value stops the start, naming `[demo] key`), defines the jobs, adds the routes. */
  protected override initialize(): void {
    const settings = readDemoSettings(this.config)
    this.#settings = settings
    defineQueueJobs(this.queues, this.clock, settings.queueConcurrency)
    addDemoRoutes({ app: this, web: this.web, stats: this.stats, queues: this.queues, maxQueued: settings.maxQueued })
  }

  protected override main(): void {
    this.#runningSince = this.clock.now()
    this.taskService.runForever(heartbeat(this, this.#settings!.heartbeatIntervalMs))
  }

  /** Runs the app, then logs what became of every task (exact counts, for whoever checks the shutdown). */
  override async run(): Promise<number> {
    const code = await super.run()
    const { scheduled, succeeded, failed, cancelled, queued, running } = this.taskService.stats()
    this.logger.info({ tasks: { scheduled, succeeded, failed, cancelled, queued, running }, exitCode: code }, 'Stopped')
    return code
  }
}
