/**
 * `HttpService`: a small JSON-over-HTTP server (node:http) as a tsab Service: listens at init-time, closes
 * gracefully at exit-time, routes by path and method, and turns every failure into a JSON error.
 * The demo's routes themselves are in `routes.ts`.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { Service, TsabError, type Application } from '@tsab/core'
import { HttpError } from './http-error.js'
import { readJsonBody } from './json-body.js'
import { parseListen } from './listen-address.js'

/** HTTP methods a route can answer. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** What a route handler gets. */
export interface RouteRequest {
  /** The raw node:http request (headers, socket, ...). */
  readonly req: IncomingMessage
  /** The parsed request URL (path and query). */
  readonly url: URL
  /** The parsed JSON body for routes with `json: true`; otherwise `undefined`. */
  readonly body: unknown
}

/** What a route handler returns: sent as JSON. */
export interface JsonReply {
  /** HTTP status. @default 200 */
  status?: number
  /** Serialised with `JSON.stringify`. */
  body: unknown
  /** Extra response headers. */
  headers?: Record<string, string>
}

/**
 * One route: a method and an exact path. Throw an {@link HttpError} from `handle` for a 4xx answer; any other
 * error becomes a logged 500.
 *
 * @example
 * ```ts fragment
 * http.addRoute({ method: 'GET', path: '/hello', handle: () => ({ body: { hello: 'world' } }) })
 * ```
 */
export interface Route {
  /** The method it answers; other methods on the same path get 405. */
  readonly method: HttpMethod
  /** The exact path, e.g. `/jobs` (no patterns). */
  readonly path: string
  /** Read the request body as JSON (415/413/400 on a wrong type, size or syntax) before calling `handle`. */
  readonly json?: boolean
  /** Produces the answer; may be async. */
  handle(request: RouteRequest): JsonReply | Promise<JsonReply>
}

/** Config `[web]` defaults; override them in the config file or with `TSAB__WEB__<KEY>`. */
const WEB_DEFAULTS = {
  listen: '127.0.0.1:8080',
  shutdown_timeout: '5s',
  headers_timeout: '10s',
  request_timeout: '30s',
  keepalive_timeout: '5s',
  max_body_size: 16 * 1024,
}

const CLIENT_ERRORS: Record<number, string> = {
  400: 'Malformed HTTP request',
  408: 'The request was not received in time',
  431: 'Request headers are too large',
}

/**
 * Serves JSON routes on `[web] listen` (default `127.0.0.1:8080`; the `PORT` environment variable overrides the port).
 *
 * - `initialize()` starts listening and logs the URL; a port in use makes the application's start fail.
 * - Requests are matched by exact path, then method: unknown path → 404, known path with another method → 405
 *   with an `Allow` header. Every response is JSON with a `content-type`.
 * - Slow or broken clients are cut off: `[web] headers_timeout` (default 10s) and `request_timeout` (30s)
 *   answer 408, malformed requests 400, huge headers 431; bodies are limited to `max_body_size` bytes (16 KiB).
 * - `finalize()` stops accepting connections, closes idle keep-alive connections at once, lets in-flight requests
 *   finish within `[web] shutdown_timeout` (default 5s), then closes whatever is left.
 *
 * @example
 * ```ts fragment
 * class App extends Application {
 *   constructor() {
 *     super()
 *     const http = this.addService(HttpService)
 *     http.addRoute({ method: 'GET', path: '/ping', handle: () => ({ body: { pong: true } }) })
 *   }
 * }
 * ```
 */
export class HttpService extends Service {
  // path → method → route: a path lookup decides 404, a method lookup 405.
  readonly #routes = new Map<string, Map<string, Route>>()
  #server: Server | undefined
  #url: string | undefined
  // When listening started (app clock), for uptime.
  #startedAt: number | undefined
  // Set at finalize: answers then carry `connection: close` so clients do not reuse the socket.
  #closing = false
  #maxBodyBytes = WEB_DEFAULTS.max_body_size

  constructor(app: Application, name?: string) {
    super(app, name)
    app.config.addDefaults('web', WEB_DEFAULTS)
  }

  /** `http://host:port` once listening, else `undefined`. With port 0 it shows the port the OS picked. */
  get url(): string | undefined {
    return this.#url
  }

  /** Milliseconds since the server started listening (0 before). */
  get uptimeMs(): number {
    return this.#startedAt === undefined ? 0 : Math.round(this.app.clock.now() - this.#startedAt)
  }

  /**
   * Adds a route. Returns `this` so calls can be chained.
   *
   * @throws TsabError `HTTP_DUPLICATE_ROUTE` when the same method and path are already routed (nothing is changed)
   * @example
   * ```ts fragment
   * http.addRoute({ method: 'GET', path: '/version', handle: () => ({ body: { version: '1.0.0' } }) })
   * ```
   */
  addRoute(route: Route): this {
    let methods = this.#routes.get(route.path)
    if (methods === undefined) this.#routes.set(route.path, (methods = new Map()))
    if (methods.has(route.method)) {
      throw new TsabError('HTTP_DUPLICATE_ROUTE', `Route ${route.method} ${route.path} is already defined`)
    }
    methods.set(route.method, route)
    return this
  }

  /** Adds several routes in order. */
  addRoutes(routes: Iterable<Route>): this {
    for (const route of routes) this.addRoute(route)
    return this
  }

  /** Starts listening; resolves once the port is bound (rejects e.g. with `EADDRINUSE`). */
  override async initialize(): Promise<void> {
    const config = this.app.config
    const { host, port } = parseListen(config.getString('web', 'listen', WEB_DEFAULTS.listen), process.env['PORT'])
    const requestTimeout = config.getDuration('web', 'request_timeout', 30_000)
    // node:http refuses a headers timeout longer than the request timeout.
    const headersTimeout = Math.min(config.getDuration('web', 'headers_timeout', 10_000), requestTimeout)
    this.#maxBodyBytes = config.getNumber('web', 'max_body_size', WEB_DEFAULTS.max_body_size)

    const server = createServer({
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: config.getDuration('web', 'keepalive_timeout', 5_000),
      // How often node checks those timeouts (its default, 30 s, would let a slow client hang on far too long).
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, headersTimeout / 2)),
    })
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.#dispatch(req, res))
    server.on('clientError', this.#onClientError)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', (error) => this.logger.error({ err: error }, 'HTTP server error'))

    const address = server.address() as AddressInfo
    const shownHost = address.address.includes(':') ? `[${address.address}]` : address.address
    this.#server = server
    this.#url = `http://${shownHost}:${address.port}`
    this.#startedAt = this.app.clock.now()
    this.logger.info({ url: this.#url }, `Listening on ${this.#url}`)
  }

  /** Graceful close: stop accepting, let in-flight requests finish within `[web] shutdown_timeout`, then cut. */
  override async finalize(): Promise<void> {
    const server = this.#server
    if (server === undefined) return
    this.#server = undefined
    this.#closing = true
    const timeoutMs = this.app.config.getDuration('web', 'shutdown_timeout', 5_000)

    // close() stops accepting at once; its callback runs when the last connection has ended.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    // A keep-alive connection without a request in flight would otherwise hold close() up until it times out.
    server.closeIdleConnections()

    const clock = this.app.clock
    let timer: unknown
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = clock.setTimeout(() => resolve('timeout'), timeoutMs)
    })
    const outcome = await Promise.race([closed, deadline])
    clock.clearTimeout(timer)
    if (outcome === 'timeout') {
      this.logger.warn({ shutdownTimeoutMs: timeoutMs }, `Requests still in flight after ${timeoutMs} ms; closing their connections`)
      server.closeAllConnections()
      await closed
    }
    this.#url = undefined
    this.logger.info('HTTP server closed')
  }

  // Never rejects: every failure becomes a JSON error response.
  async #dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      let url: URL
      try {
        url = new URL(req.url ?? '/', 'http://localhost')
      } catch {
        throw new HttpError(400, `Malformed request target ${JSON.stringify(req.url)}`)
      }
      const methods = this.#routes.get(url.pathname)
      if (methods === undefined) {
        throw new HttpError(404, `No route for ${req.method} ${url.pathname}; routes: ${this.#describeRoutes()}`)
      }
      const route = methods.get(req.method ?? '')
      if (route === undefined) {
        const allow = [...methods.keys()].join(', ')
        throw new HttpError(405, `Method ${req.method} is not allowed on ${url.pathname}; use ${allow}`, { allow })
      }
      const body = route.json === true ? await readJsonBody(req, { maxBytes: this.#maxBodyBytes }) : undefined
      const reply = await route.handle({ req, url, body })
      this.#send(res, reply.status ?? 200, reply.body, reply.headers)
    } catch (error) {
      if (error instanceof HttpError) {
        this.#send(res, error.status, { error: error.message }, error.headers)
      } else if (res.destroyed) {
        this.logger.debug({ err: error, method: req.method, url: req.url }, 'Client went away')
      } else {
        this.logger.error({ err: error, method: req.method, url: req.url }, 'Request failed')
        this.#send(res, 500, { error: 'Internal server error' })
      }
    }
  }

  #send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return
    const payload = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(payload),
      ...(this.#closing ? { connection: 'close' } : {}),
      ...headers,
    })
    res.end(payload)
  }

  #describeRoutes(): string {
    const all: string[] = []
    for (const [path, methods] of this.#routes) for (const method of methods.keys()) all.push(`${method} ${path}`)
    return all.join(', ')
  }

  // Errors before a request reaches #dispatch: malformed HTTP, headers too large, a client too slow (timeouts).
  // With this listener installed node leaves the answer to us; answer in JSON too, then close the connection.
  readonly #onClientError = (error: NodeJS.ErrnoException, socket: Duplex): void => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
    this.logger.debug({ err: error, status }, 'Rejected a bad or slow client')
    const payload = JSON.stringify({ error: CLIENT_ERRORS[status] })
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(payload)}\r\n` +
        'connection: close\r\n\r\n' +
        payload,
    )
  }
}
