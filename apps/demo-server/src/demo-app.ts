/**
 * `DemoApp`: the demo server's Application. It only wires things together: services, routes and the heartbeat.
 * Starting, signals and shutdown order come from `Application`.
 */
import { QueueService } from '@tsab/bullmq'
import { Application, type ApplicationOptions } from '@tsab/core'
import { heartbeat } from './heartbeat.js'
import { HttpService } from './http-service.js'
import { defineQueueJobs } from './queue-jobs.js'
import { demoRoutes } from './routes.js'
import { StatsService } from './stats-service.js'

/**
 * The demo server: an HTTP API that schedules fire-and-forget jobs on the TaskService (or, with
 * `"distributed": true`, on the QueueService) and reports on them.
 *
 * Config: `[web] listen` (default `127.0.0.1:8080`, env `PORT` overrides the port), `[web] shutdown_timeout`
 * (default `5s`), `[demo] heartbeat_interval` (default `5s`), `[demo] queue_concurrency` (queue jobs of each kind
 * this instance runs at a time, default `10`), `[redis] url` or env `REDIS_URL` (share the queue jobs with every
 * instance on that Redis; default: in-process memory backend). Any key can be set from the environment as
 * `TSAB__<SECTION>__<KEY>`, e.g. `TSAB__WEB__LISTEN=0.0.0.0:8080`.
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
  /** The HTTP server. */
  readonly http: HttpService

  constructor(options: ApplicationOptions = {}) {
    super({ name: 'demo-server', ...options })
    this.config.addDefaults('demo', { heartbeat_interval: '5s', queue_concurrency: 10 })
    // Registration order is initialization order, and finalization runs in reverse: the HTTP server starts last
    // and closes first, so no request arrives at a service that is already gone. The QueueService closes next
    // (its running jobs are aborted and, with Redis, handed back), while the StatsService still counts them; the
    // TaskService, which runs the job handlers, is always finalized last.
    this.stats = this.addService(StatsService)
    this.queues = this.addService(QueueService)
    defineQueueJobs(this.queues, this.clock, this.config.getNumber('demo', 'queue_concurrency', 10))
    this.http = this.addService(HttpService)
    this.http.addRoutes(demoRoutes({ app: this, http: this.http, stats: this.stats, queues: this.queues }))
  }

  protected override main(): void {
    this.taskService.runForever(heartbeat(this, this.config.getDuration('demo', 'heartbeat_interval', 5_000)))
  }
}
