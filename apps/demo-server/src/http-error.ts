/**
 * `HttpError`: an error that already knows the HTTP answer it deserves (status, message, extra headers).
 * Route handlers throw it; the HttpService turns it into a JSON `{ error }` response. Nothing else lives here.
 */
import { TsabError } from '@tsab/core'

/** The 4xx/5xx statuses this server answers with, and the machine-readable code of each. */
const CODES = {
  400: 'HTTP_BAD_REQUEST',
  404: 'HTTP_NOT_FOUND',
  405: 'HTTP_METHOD_NOT_ALLOWED',
  408: 'HTTP_REQUEST_TIMEOUT',
  413: 'HTTP_PAYLOAD_TOO_LARGE',
  415: 'HTTP_UNSUPPORTED_MEDIA_TYPE',
  431: 'HTTP_HEADERS_TOO_LARGE',
  500: 'HTTP_INTERNAL_ERROR',
  503: 'HTTP_UNAVAILABLE',
} as const

/** An HTTP error status this server knows. */
export type HttpErrorStatus = keyof typeof CODES

/**
 * A failed request. `message` is sent to the client as `{ "error": message }`, so write it for a human who
 * has to fix their request.
 *
 * @example
 * ```ts fragment
 * throw new HttpError(400, 'Expected `count` to be an integer from 1 to 1000, got 0 (number)')
 * throw new HttpError(405, 'Method PUT is not allowed on /jobs', { allow: 'POST' })
 * ```
 */
export class HttpError extends TsabError {
  /** The HTTP status code of the response. */
  readonly status: HttpErrorStatus
  /** Extra response headers, e.g. `allow` for a 405. */
  readonly headers: Readonly<Record<string, string>>

  constructor(status: HttpErrorStatus, message: string, headers: Record<string, string> = {}) {
    super(CODES[status], message)
    this.status = status
    this.headers = headers
  }
}
