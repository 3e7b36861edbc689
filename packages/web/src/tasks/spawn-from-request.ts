/**
 * Request-scoped tasks: a TaskService task started by an HTTP request carries the request id in its `meta` (so
 * every log record about it, its failure included, names the request) and the route as its owner. The WebService
 * exposes it as `web.spawnFromRequest()`.
 */
import type { Schedulable, TaskHandle, TaskOptions, TaskService } from '@tsab/core'
import type { FastifyRequest } from 'fastify'

/**
 * Options of `WebService.spawnFromRequest()`: the TaskService's options; `owner` defaults to the route
 * (`POST /jobs`) and `meta.requestId` is always the request's id.
 *
 * @example
 * ```ts
 * import type { RequestTaskOptions } from '@tsab/web'
 * const options: RequestTaskOptions = { name: 'send-receipt', timeoutMs: 5_000, meta: { orderId: 42 } }
 * ```
 */
export type RequestTaskOptions = TaskOptions

/** The owner of a task spawned from `request`: `METHOD /route/:pattern` (the matched route, not the raw URL). */
export function requestOwner(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url.split('?', 1)[0]}`
}

/** Spawns `task` on `taskService` with the request's id in `meta.requestId` and the route as default owner. */
export function spawnFromRequest<T>(
  taskService: TaskService,
  request: FastifyRequest,
  task: Schedulable<T>,
  options: RequestTaskOptions = {},
): TaskHandle<T> {
  // Built field by field (no spreads): this runs for every request that starts background work.
  const meta = options.meta
  return taskService.spawn(task, {
    name: options.name,
    owner: options.owner ?? requestOwner(request),
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    meta: meta === undefined ? { requestId: request.id } : { ...meta, requestId: request.id },
  })
}
