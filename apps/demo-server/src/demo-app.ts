/**
 * `DemoApp`: the demo server's Application. It only wires things together: services, settings, routes, the
 * heartbeat and the per-minute summary (a cron job of the StatsService). Starting, signals, HTTP and shutdown order come from `Application` and the WebService.
 */
import { QueueService } from '@tsab/bullmq'
import { Application, type ApplicationOptions } from '@tsab/core'
import { WebService } from '@tsab/web'
import { WorkerPoolService } from '@tsab/workers'
import { DEMO_DEFAULTS, DEMO_TASK_SERVICE_DEFAULTS, DEMO_WEB_DEFAULTS, readDemoSettings, type DemoSettings } from './demo-settings.js'
import { heartbeat } from './heartbeat.js'
import { defineQueueJobs } from './queue-jobs.js'
import { addDemoRoutes } from './routes.js'
import { StatsService } from './stats-service.js'

/**
 * The demo server: an HTTP API that schedules fire-and-forget jobs on the TaskService (CPU-bound `hash` jobs on
 * the WorkerPoolService's threads; with `"distributed": true`, on the QueueService) and reports on them: `GET /tasks`,
 * the live dashboard at `/tsab/`, and one summary log line a minute.
 *
 * Config: `[web] …` (see `@tsab/web`: listen on `127.0.0.1:8080` by default, env `PORT` overrides the port; here
 * bodies up to 16 KiB and the live task dashboard on at `/tsab/`),
 * `[demo] heartbeat_interval` (default `5s`), `[demo] queue_concurrency` (queue jobs of each kind this instance runs
 * at a time, default `10`), `[TaskService] max_concurrency` / `max_queued` (default 1,000 / 10,000: more jobs are
 * refused with 503), `[workers] threads` (worker threads for `hash` jobs, default: the cores but one), `[redis] url` or env `REDIS_URL` (share the queue jobs with every instance on that Redis;
 * default: in-process memory backend). Every value is checked at start. Any key can be set from the environment
 * as `TSAB__<SECTION>__<KEY>`, e.g. `TSAB__WEB__LISTEN=0.0.0.0:8080`.
 *
 * @example
 * ```ts fragment
 * import { Application } from '@tsab/core'
 * import { DemoApp } from './demo-app.js'
 * await Application.main(DemoApp) // Ctrl-C stops it gracefully; the process ends with the app's exit code
 * ```
 */
export class DemoApp extends Application {
  /** Per-kind counters of finished jobs. */
  readonly stats: StatsService
  /** Distributed jobs (memory backend, or BullMQ with `REDIS_URL`). */
  readonly queues: QueueService
  /** Worker threads for the CPU-bound jobs. */
  readonly pool: WorkerPoolService
  /** HTTP: the demo's routes, the health probes, the phased stop. */
  readonly web: WebService
  #settings: DemoSettings | undefined
  // When run-time started (app clock), for GET /health's uptime.
  #runningSince: number | undefined

  constructor(options: ApplicationOptions = {}) {
    super({ name: 'demo-server', ...options })
    this.config.addDefaults('demo', DEMO_DEFAULTS)
    this.config.addDefaults('TaskService', DEMO_TASK_SERVICE_DEFAULTS)
    // Before the WebService adds its own defaults, so that these win.
    this.config.addDefaults('web', DEMO_WEB_DEFAULTS)
    // Registration order is initialization order, and finalization runs in reverse. The WebService drains its
    // requests before anything is finalized (beforeFinalize); then the QueueService closes (its running jobs are
    // aborted and, with Redis, handed back), then the worker pool (runs cancelled, threads terminated), while the
    // StatsService still counts them; the TaskService, which runs the job handlers, is always finalized last.
    this.stats = this.addService(StatsService)
    this.pool = this.addService(WorkerPoolService)
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
    defineQueueJobs(this.queues, this.pool, this.clock, settings.queueConcurrency)
    addDemoRoutes({ app: this, web: this.web, stats: this.stats, queues: this.queues, pool: this.pool })
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
