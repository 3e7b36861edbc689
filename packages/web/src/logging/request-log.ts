/**
 * The WebService's request log: one line per answered request, at info, through the request's logger (a child of
 * the app's pino logger that carries the request id as `reqId`). Fastify's own two lines per request are turned off
 * by the WebService; this hook replaces them.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Fastify `onResponse` hook writing `{ reqId, method, url, status, ms }` with the message
 * `GET /health/ready 200 0.42 ms`.
 */
export function logRequest(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const status = reply.statusCode
  const ms = Math.round(reply.elapsedTime * 100) / 100
  request.log.info({ method: request.method, url: request.url, status, ms }, `${request.method} ${request.url} ${status} ${ms} ms`)
  done()
}
