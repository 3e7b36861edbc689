/**
 * The demo's HTTP routes on the WebService: `GET /health` (the demo's status; the probes `/health/live` and
 * `/health/ready` come with the WebService), `POST /jobs` and `GET /tasks`. Each is a few lines that call into the
 * application; request checking is Fastify's (JSON schemas), errors and limits are the WebService's.
 */
import type { QueueService } from '@tsab/bullmq'
import type { WebService } from '@tsab/web'
import type { WorkerPoolService } from '@tsab/workers'
import type { DemoApp } from './demo-app.js'
import { checkJobRequest, jobRequestSchema, scheduleJobs, type JobRequest } from './jobs.js'
import { enqueueJobs } from './queue-jobs.js'
import type { StatsService } from './stats-service.js'

/** What the demo routes read from. */
export interface DemoRoutesContext {
  readonly app: DemoApp
  readonly web: WebService
  readonly stats: StatsService
  readonly queues: QueueService
  /** Runs the CPU-bound (`hash`) jobs on worker threads. */
  readonly pool: WorkerPoolService
}

/**
 * Adds the demo's routes to the WebService's Fastify instance.
 *
 * @example
 * ```ts fragment
 * addDemoRoutes({ app, web, stats, queues, pool })
 * ```
 */
export function addDemoRoutes({ app, web, stats, queues, pool }: DemoRoutesContext): void {
  // The demo's only body is JSON: without Fastify's text/plain parser, any other content type is a 415 (a text/plain
  // body would otherwise be read as a string and refused by the schema with 400).
  web.server.removeContentTypeParser('text/plain')
  web.server.get('/health', async () => ({ status: 'ok', app: app.name, state: app.state, uptimeMs: app.uptimeMs }))

  web.server.post<{ Body: JobRequest }>('/jobs', { schema: { body: jobRequestSchema() } }, async (request, reply) => {
    const body = checkJobRequest(request.body)
    if (body.distributed === true) {
      const ids = await enqueueJobs(queues, body)
      return reply.code(202).send({ ids, distributed: true, backend: queues.backend })
    }
    // Request-scoped tasks: each job's meta carries this request's id, so its log records name the request.
    const handles = scheduleJobs(
      {
        spawn: (task, options) => web.spawnFromRequest(request, task, options),
        runInPool: (module, payload, options) => pool.run(module, payload, { ...options, meta: { requestId: String(request.id) } }),
        taskService: app.taskService,
      },
      body,
    )
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
