/**
 * The demo's HTTP routes on the WebService: `GET /health` (the demo's status; the probes `/health/live` and
 * `/health/ready` come with the WebService), `POST /jobs` and `GET /tasks`. Each is a few lines that call into the
 * application; request checking is Fastify's (JSON schemas), errors and limits are the WebService's.
 */
import type { QueueService } from '@tsab/bullmq'
import type { WebService } from '@tsab/web'
import type { DemoApp } from './demo-app.js'
import { jobRequestSchema, scheduleJobs, type JobRequest } from './jobs.js'
import { enqueueJobs } from './queue-jobs.js'
import type { StatsService } from './stats-service.js'

/** What the demo routes read from. */
export interface DemoRoutesContext {
  readonly app: DemoApp
  readonly web: WebService
  readonly stats: StatsService
  readonly queues: QueueService
  /** `[TaskService] max_queued`: a request whose jobs would not all fit is refused whole (503). */
  readonly maxQueued: number
}

/**
 * Adds the demo's routes to the WebService's Fastify instance.
 *
 * @example
 * ```ts fragment
 * addDemoRoutes({ app, web, stats, queues, maxQueued: 10_000 })
 * ```
 */
export function addDemoRoutes({ app, web, stats, queues, maxQueued }: DemoRoutesContext): void {
  web.server.get('/health', async () => ({ status: 'ok', app: app.name, state: app.state, uptimeMs: app.uptimeMs }))

  web.server.post<{ Body: JobRequest }>('/jobs', { schema: { body: jobRequestSchema() } }, async (request, reply) => {
    const body = request.body
    if (body.distributed === true) {
      const ids = await enqueueJobs(queues, body)
      return reply.code(202).send({ ids, distributed: true, backend: queues.backend })
    }
    // Request-scoped tasks: each job's meta carries this request's id, so its log records name the request.
    const handles = scheduleJobs((task, options) => web.spawnFromRequest(request, task, options), app.taskService, body, maxQueued)
    return reply.code(202).send({ ids: handles.map((handle) => handle.id) })
  })

  web.server.get('/tasks', async () => ({
    tasks: app.taskService.list(),
    stats: app.taskService.stats(),
    byKind: stats.byKind(),
    distributedByKind: stats.distributedByKind(),
    queues: { backend: queues.backend, stats: await queues.stats() },
  }))
}
