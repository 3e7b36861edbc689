/**
 * The demo's HTTP routes: `GET /health`, `POST /jobs` and `GET /tasks`. Each is a few lines that call into the
 * application; serving, errors and limits are the HttpService's, job kinds and validation are in `jobs.ts`,
 * distributed jobs in `queue-jobs.ts`.
 */
import type { QueueService } from '@tsab/bullmq'
import type { Application } from '@tsab/core'
import type { HttpService, Route } from './http-service.js'
import { parseJobRequest, scheduleJobs } from './jobs.js'
import { enqueueJobs } from './queue-jobs.js'
import type { StatsService } from './stats-service.js'

/** What the demo routes read from. */
export interface DemoRoutesContext {
  readonly app: Application
  readonly http: HttpService
  readonly stats: StatsService
  readonly queues: QueueService
}

/**
 * Builds the demo's routes.
 *
 * @example
 * ```ts fragment
 * http.addRoutes(demoRoutes({ app, http, stats, queues }))
 * ```
 */
export function demoRoutes({ app, http, stats, queues }: DemoRoutesContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/health',
      handle: () => ({ body: { status: 'ok', app: app.name, state: app.state, uptimeMs: http.uptimeMs } }),
    },
    {
      method: 'POST',
      path: '/jobs',
      json: true,
      handle: async ({ body }) => {
        // Validate everything first: a bad request must schedule nothing at all.
        const request = parseJobRequest(body)
        if (request.distributed) {
          const ids = await enqueueJobs(queues, request)
          return { status: 202, body: { ids, distributed: true, backend: queues.backend } }
        }
        const handles = scheduleJobs(app.taskService, request)
        return { status: 202, body: { ids: handles.map((handle) => handle.id) } }
      },
    },
    {
      method: 'GET',
      path: '/tasks',
      handle: async () => {
        const queueStats = await queues.stats()
        return {
          body: {
            tasks: app.taskService.list(),
            stats: app.taskService.stats(),
            byKind: stats.byKind(),
            distributedByKind: stats.distributedByKind(),
            queues: { backend: queues.backend, stats: queueStats },
          },
        }
      },
    },
  ]
}
