/**
 * Kubernetes-style probes: `/health/live` (the process serves requests) and `/health/ready` (the application is
 * running and not stopping). GET and HEAD both (Fastify adds HEAD for every GET). What "ready" means is decided by
 * the WebService and passed in as a function.
 */
import type { FastifyInstance } from 'fastify'

/**
 * What `/health/ready` reports: `ready` (200) while the application runs; `starting` or `stopping` (503) otherwise.
 *
 * @example
 * ```ts
 * import type { Readiness } from '@tsab/web'
 * const status = (readiness: Readiness) => (readiness === 'ready' ? 200 : 503)
 * ```
 */
export type Readiness = 'starting' | 'ready' | 'stopping'

const STATUS_SCHEMA = {
  type: 'object',
  properties: { status: { type: 'string' } },
  required: ['status'],
} as const

const LIVE = { status: 'ok' } as const

/** Adds `GET|HEAD /health/live` and `GET|HEAD /health/ready` to `server`. */
export function addHealthRoutes(server: FastifyInstance, readiness: () => Readiness): void {
  server.get('/health/live', { schema: { response: { 200: STATUS_SCHEMA } } }, async () => LIVE)
  server.get('/health/ready', { schema: { response: { 200: STATUS_SCHEMA, 503: STATUS_SCHEMA } } }, async (_request, reply) => {
    const status = readiness()
    if (status !== 'ready') void reply.code(503)
    return { status }
  })
}
