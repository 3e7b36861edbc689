/**
 * The WebService's request log: one line per answered request, at info, through the request's logger (a child of
 * the app's pino logger that carries the request id as `reqId`). It is Fastify's own log hook (a `LogController`)
 * with its two lines per request (`incoming request`, `request completed`) replaced by this one.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

// A `token` query parameter (how the dashboard's event stream authenticates) is a secret: never in the log.
const TOKEN_PARAMETER = /([?&]token=)[^&#]*/gi
const HAS_TOKEN = /[?&]token=/i

/** `url` with the value of any `token` query parameter replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return HAS_TOKEN.test(url) ? url.replace(TOKEN_PARAMETER, '$1[redacted]') : url
}

/**
 * Fastify's `logController`, writing `{ reqId, method, url, status, ms }` with the message
 * `GET /health/ready 200 0.42 ms` once the answer is sent (with `err` when the response stream failed).
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode
    const ms = Math.round(reply.elapsedTime * 100) / 100
    const url = redactUrl(request.url)
    const fields: Record<string, unknown> = { method: request.method, url, status, ms }
    if (error) fields['err'] = error
    request.log.info(fields, `${request.method} ${url} ${status} ${ms} ms`)
  }
}
