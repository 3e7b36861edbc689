/**
 * How the WebService answers when something goes wrong: the error handler (client mistakes keep their 4xx, an
 * `OverloadedError` is a 503 with `retry-after`, anything else a logged 500), the 404/405 handler and the answer to
 * requests Node could not even parse (400/408/431). Every error body has one shape: {@link ErrorBody}.
 */
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { OverloadedError, type Logger } from '@tsab/core'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { AllowedMethods } from './allowed-methods.js'

/**
 * The JSON body of every error answer of a WebService.
 *
 * @example
 * ```ts
 * import type { ErrorBody } from '@tsab/web'
 * const body: ErrorBody = { error: 'Invalid request body: missing field `kind`', statusCode: 400, code: 'FST_ERR_VALIDATION' }
 * ```
 */
export interface ErrorBody {
  /** What went wrong, for the person who has to fix the request. */
  error: string
  /** The HTTP status, repeated for clients that only keep the body. */
  statusCode: number
  /** A machine-readable code when there is one (Fastify's `FST_ERR_…`, tsab's `TSAB_…`). */
  code?: string
}

function body(statusCode: number, error: string, code?: string): ErrorBody {
  return code === undefined ? { error, statusCode } : { error, statusCode, code }
}

function clientStatus(error: FastifyError): number | undefined {
  const status = error.statusCode
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined
}

/**
 * Builds the WebService's Fastify error handler.
 *
 * - `OverloadedError` (e.g. `[TaskService] max_queued` reached): 503 with `retry-after: <retryAfterSeconds>`.
 * - An error with a 4xx `statusCode` (schema validation, bad JSON, a body over the limit, a wrong content type, or
 *   one a route throws on purpose): that status and the error's message.
 * - Anything else: 500 `Internal server error`, logged at error level with the request id; a deliberate 5xx
 *   `statusCode` keeps its status and message.
 */
export function createErrorHandler(retryAfterSeconds: number) {
  return function tsabErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    if (error instanceof OverloadedError) {
      request.log.debug({ err: error }, 'Refused a request: overloaded')
      void reply
        .code(503)
        .header('retry-after', String(retryAfterSeconds))
        .send(body(503, `The server is overloaded; retry in ${retryAfterSeconds} s`, error.code))
      return
    }
    const status = clientStatus(error)
    if (status !== undefined) {
      void reply.code(status).send(body(status, error.message, error.code))
      return
    }
    const explicit = typeof error.statusCode === 'number' && error.statusCode > 500 && error.statusCode < 600 ? error.statusCode : 500
    request.log.error({ err: error }, `Request failed: ${request.method} ${request.url}`)
    void reply.code(explicit).send(body(explicit, explicit === 500 ? 'Internal server error' : error.message, explicit === 500 ? undefined : error.code))
  }
}

/** Builds the 404 handler: 405 with an `allow` header when another method of the path is routed. */
export function createNotFoundHandler(allowed: AllowedMethods) {
  return function tsabNotFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
    const path = request.url.split('?', 1)[0]!
    const methods = allowed.methodsFor(path)
    if (methods.length > 0) {
      const allow = methods.join(', ')
      void reply.code(405).header('allow', allow).send(body(405, `Method ${request.method} is not allowed on ${path}; use ${allow}`))
      return
    }
    void reply.code(404).send(body(404, `No route for ${request.method} ${path}`))
  }
}

// How long a refused client gets to read the answer and close before its socket is destroyed.
const CLOSE_GRACE_MS = 1_000

const CLIENT_ERRORS: Record<number, string> = {
  400: 'Malformed HTTP request',
  408: 'The request was not received in time',
  431: 'Request headers are too large',
}

/**
 * Builds Fastify's `clientErrorHandler`: answers a request Node could not parse (400), one whose headers are too
 * large (431) or that did not arrive in time (408) in the usual JSON shape, then closes the connection.
 */
export function createClientErrorHandler(logger: Logger) {
  return function tsabClientErrorHandler(error: NodeJS.ErrnoException, socket: Duplex): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
    logger.debug({ err: error, statusCode: status }, 'Refused a malformed or slow request')
    if (!socket.writable) {
      socket.destroy()
      return
    }
    const payload = JSON.stringify(body(status, CLIENT_ERRORS[status]!))
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n\r\n${payload}`,
    )
    // Destroying at once could reset the connection (unread input) before the client has read the answer; a
    // client that never closes its side is cut off a little later instead.
    const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
  }
}
