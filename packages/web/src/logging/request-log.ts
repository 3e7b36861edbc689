/**
 * The WebService's request log: one line per answered request, at info, through the request's logger (a child of
 * the app's pino logger that carries the request id as `reqId`). It is Fastify's own log hook (a `LogController`)
 * with its two lines per request (`incoming request`, `request completed`) replaced by this one.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/**
 * Fastify's `logController`, writing `{ reqId, method, url, status, ms }` with the message
 * `GET /health/ready 200 0.42 ms` once the answer is sent (with `err` when the response stream failed).
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode
    const ms = Math.round(reply.elapsedTime * 100) / 100
    const fields: Record<string, unknown> = { method: request.method, url: request.url, status, ms }
    if (error) fields['err'] = error
    request.log.info(fields, `${request.method} ${request.url} ${status} ${ms} ms`)
  }
}
