import { Application, Config, Service, cron, injectable, sleep, type TaskHandle } from '@tsab/core'
import { WebService } from '@tsab/web'

/**
 * Builds reports in the background. A request to POST /reports answers 202 at once and hands the work to the
 * TaskService, which runs it, logs a failure, and publishes `TaskService.task_done!` when it is finished; at
 * shutdown running reports are cancelled through their AbortSignal.
 *
 * `@injectable()` lets the app's container build it: the constructor's parameters are found by their types
 * (this needs the decorator metadata tsc emits, see tsconfig.json).
 */
@injectable()
export class ReportService extends Service {
  /** Reports built since the start. */
  built = 0
  /** Reports built since the last summary. */
  #sinceSummary = 0
  /** `[reports] build_time`: how long building one report takes (a stand-in for real work). */
  #buildTimeMs = 0

  constructor(
    app: Application,
    private readonly web: WebService,
    private readonly config: Config,
  ) {
    super(app)
  }

  override initialize() {
    // Config is read (and checked) here, at start: a bad value stops the start with a message naming it.
    this.#buildTimeMs = this.config.getDuration('reports', 'build_time', 200, { max: 60_000 })
    this.web.server.post<{ Body: { topic: string } }>(
      '/reports',
      { schema: { body: { type: 'object', required: ['topic'], properties: { topic: { type: 'string', minLength: 1, maxLength: 100 } } } } },
      async (request, reply) => {
        const task = this.web.spawnFromRequest(request, (signal) => this.#build(request.body.topic, signal), { name: 'build-report' })
        return reply.code(202).send({ task: task.id })
      },
    )
    this.web.server.get('/reports', async () => ({ built: this.built }))
  }

  /** Starts building a report on `topic` in the background; the handle's `result` is the report. */
  request(topic: string): TaskHandle<string> {
    return this.app.taskService.spawn((signal) => this.#build(topic, signal), { name: 'build-report', owner: this.name, meta: { topic } })
  }

  /** A cron job: at the start of every minute, log how many reports were built in the last one. */
  @cron('0 * * * * *')
  summary() {
    this.logger.info({ reports: this.#sinceSummary, total: this.built }, 'reports built in the last minute')
    this.#sinceSummary = 0
  }

  async #build(topic: string, signal: AbortSignal): Promise<string> {
    await sleep(this.#buildTimeMs, { signal })
    this.built++
    this.#sinceSummary++
    this.logger.info({ topic }, 'report built')
    return `report on ${topic}`
  }
}
