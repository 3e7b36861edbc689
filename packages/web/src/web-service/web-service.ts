/**
 * `WebService`: a Fastify 5 instance as a tsab Service. It owns the HTTP servers (one per `[web] listen` address),
 * binds them once init-time is over, reports readiness, and drains them at exit-time before any service is
 * finalized. Settings are in `config/`, sockets in `server/`, error answers in `errors/`, probes in `health/`.
 */
import type { Server } from 'node:http'
import {
  CancelledError,
  Config,
  Future,
  Messages,
  Service,
  type Application,
  type Schedulable,
  type TaskHandle,
} from '@tsab/core'
import { fastify, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify'
import { readWebSettings, WEB_DEFAULTS, type WebSettings } from '../config/web-settings.js'
import { AllowedMethods } from '../errors/allowed-methods.js'
import { createClientErrorHandler, createErrorHandler, createNotFoundHandler } from '../errors/error-responses.js'
import { validationMessage, type SchemaError } from '../errors/validation-message.js'
import { addHealthRoutes, type Readiness } from '../health/health-routes.js'
import { formatListenAddress } from '../listen/listen-address.js'
import { RequestLog } from '../logging/request-log.js'
import { closeServersNow, createHttpServer, drainServers, listenOn } from '../server/http-servers.js'
import { spawnFromRequest, type RequestTaskOptions } from '../tasks/spawn-from-request.js'
import { strictBodyValidatorFactory } from '../validation/strict-body-validator.js'

/**
 * HTTP on Fastify 5 for a tsab application (ASAB's `asab.web`). Add it with `app.addService(WebService)`; add
 * routes and plugins to {@link WebService.server} in a service's constructor or `initialize()`.
 *
 * - **Config** `[web]` (read and checked when the service is built; a bad value makes `start()` reject naming the
 *   key): `listen` (default `127.0.0.1:8080`; several addresses separated by spaces; env `PORT` replaces the
 *   first port), `body_limit` (1 MiB), `headers_timeout` (10s), `request_timeout` (30s), `keep_alive_timeout`
 *   (5s), `connection_timeout` (60s), `max_header_size` (16 KiB), `shutdown_delay` (0), `shutdown_timeout` (10s),
 *   `retry_after` (1s).
 * - **Listening** is the last step of init-time (`afterInitialize()`, once every service has added its routes):
 *   `start()` resolves after the addresses are bound, and a port in use makes `start()` reject.
 *   {@link WebService.onListening} resolves with the bound addresses.
 * - **Probes**: `GET|HEAD /health/live` → 200 `{"status":"ok"}`; `GET|HEAD /health/ready` → 200
 *   `{"status":"ready"}` while the app runs, else 503 `{"status":"starting"}` / `{"status":"stopping"}`.
 * - **Requests** are logged once each, at info, by a child of the app's logger (`reqId`, `method`, `url`, `status`,
 *   `ms`). Errors are JSON `{ error, statusCode, code? }`: 4xx for anything a client sends (schema validation names
 *   the field, 413 for a body over the limit, 415 for a wrong content type), 405 with `allow` for a routed path with
 *   another method, 503 + `retry-after` for an `OverloadedError`, a logged 500 for a bug.
 * - **Phased stop**: at the first stop request readiness turns 503; after `shutdown_delay` the servers stop
 *   accepting; requests in flight finish (answers carry `connection: close`), idle keep-alive connections are
 *   closed; after `shutdown_timeout` what is left is cut. This happens in `beforeFinalize()`, so no other service is
 *   finalized before it ends.
 *
 * @example
 * ```ts
 * import { Application } from '@tsab/core'
 * import { WebService } from '@tsab/web'
 *
 * class App extends Application {
 *   readonly web = this.addService(WebService)
 *   constructor() {
 *     super({ config: { web: { listen: '127.0.0.1:0' }, logging: { level: 'warn' } }, handleSignals: false })
 *     this.web.server.get('/hello', async () => ({ hello: 'world' }))
 *   }
 *   protected override async main() {
 *     const [address] = await this.web.onListening()
 *     console.log(await (await fetch(`http://${address}/hello`)).json())
 *     await this.stop()
 *   }
 * }
 * process.exitCode = await new App().run()
 * ```
 *
 * ```text
 * { hello: 'world' }
 * ```
 */
export class WebService extends Service {
  /** The service's default name. */
  static readonly serviceName = 'WebService'

  /** The Fastify instance: add routes, hooks and plugins before init-time ends. */
  readonly server: FastifyInstance

  readonly #settings: WebSettings
  // A bad [web] value found while building the service: start() rejects with it (from initialize()).
  readonly #settingsError: unknown
  // Every bound server, the Fastify one first; the others answer through fastify.routing.
  readonly #servers: Server[] = []
  #addresses: string[] = []
  // Resolved with the addresses once bound; rejected when binding fails or the service stops first.
  readonly #listened = new Future<string[]>()
  // The binding in progress or done, so the drain waits for a bind that is still under way.
  #listening: Promise<void> | undefined
  // When the first stop request came (app clock): readiness is 503 from then on, shutdown_delay counts from it.
  #stopRequestedAt: number | undefined
  // True from the start of the drain: every answer then carries `connection: close`.
  #closing = false
  #drain: Promise<void> | undefined
  #drained = false
  readonly #unsubscribe: Array<() => void> = []

  constructor(app: Application, name?: string) {
    super(app, name)
    app.config.addDefaults('web', WEB_DEFAULTS)
    let settings: WebSettings
    try {
      settings = readWebSettings(app.config, process.env, this.logger)
    } catch (error) {
      // Reported by initialize(), so that start() rejects; the instance is built on the defaults meanwhile.
      this.#settingsError = error
      settings = readWebSettings(new Config({ env: {} }), {})
    }
    this.#settings = settings
    this.server = this.#createFastify(settings)
  }

  /** The bound addresses (`127.0.0.1:8080`, `[::1]:8080`), in `[web] listen` order; empty until listening. */
  get addresses(): string[] {
    return [...this.#addresses]
  }

  /** What `/health/ready` answers now. */
  get readiness(): Readiness {
    const state = this.app.state
    if (this.#stopRequestedAt !== undefined || state === 'stopping' || state === 'stopped') return 'stopping'
    return state === 'running' ? 'ready' : 'starting'
  }

  /**
   * Resolves with the bound addresses once every `[web] listen` address is bound (at once if it already is).
   * Rejects with the bind error (e.g. `EADDRINUSE`), or with a `CancelledError` when the application stops before
   * it ever listened.
   *
   * @example
   * ```ts fragment
   * const app = await createTestApplication({ config: { web: { listen: '127.0.0.1:0' } } }, MyApp)
   * const [address] = await app.getService(WebService).onListening()
   * await fetch(`http://${address}/health/ready`)
   * ```
   */
  onListening(): Promise<string[]> {
    return Promise.resolve(this.#listened)
  }

  /**
   * Spawns a TaskService task on behalf of `request`: its `meta.requestId` is the request id (so the task's log
   * records, its failure included, name the request) and its owner is the route (`POST /jobs`) unless
   * `options.owner` says otherwise. Throws what `spawn()` throws, e.g. `OverloadedError` when
   * `[TaskService] max_queued` is reached (the WebService answers that with 503 and `retry-after`).
   *
   * @example
   * ```ts fragment
   * web.server.post('/reports', async (request, reply) => {
   *   const handle = web.spawnFromRequest(request, (signal) => buildReport(signal), { name: 'build-report' })
   *   return reply.code(202).send({ taskId: handle.id })
   * })
   * ```
   */
  spawnFromRequest<T>(request: FastifyRequest, task: Schedulable<T>, options?: RequestTaskOptions): TaskHandle<T> {
    return spawnFromRequest(this.app.taskService, request, task, options)
  }

  /** Throws a bad `[web]` value; follows stop requests (readiness turns 503 at the first one). */
  override initialize(): void {
    if (this.#settingsError !== undefined) throw this.#settingsError
    this.#unsubscribe.push(
      this.app.pubsub.subscribe(Messages.ApplicationStop, () => {
        this.#stopRequestedAt ??= this.app.clock.now()
      }),
    )
  }

  /**
   * Binds every `[web] listen` address at the end of init-time, once every service and the application's own
   * `initialize()` added their routes; `start()` resolves only after this, and a bind error (e.g. `EADDRINUSE`)
   * makes `start()` reject.
   */
  override async afterInitialize(): Promise<void> {
    await this.#listen()
  }

  /** Phased stop: wait out `shutdown_delay`, stop accepting, let requests in flight finish within `shutdown_timeout`. */
  override async beforeFinalize(): Promise<void> {
    await (this.#drain ??= this.#runDrain())
  }

  /** Releases what the drain could not (it was cut short by the exit budget) and closes the Fastify instance. */
  override async finalize(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe()
    if (!this.#drained) closeServersNow(this.#servers)
    await (this.#drain ??= this.#runDrain())
    if (!this.#listened.isDone) this.#listened.setException(new CancelledError(undefined, 'The WebService stopped before it listened'))
  }

  #createFastify(settings: WebSettings): FastifyInstance {
    const server = fastify({
      // The app's pino logger, typed as Fastify's logger interface (pino's own type is wider).
      loggerInstance: this.logger as FastifyBaseLogger,
      logController: new RequestLog(),
      bodyLimit: settings.bodyLimit,
      serverFactory: (handler) => {
        const main = createHttpServer(handler, settings)
        this.#servers.unshift(main)
        return main
      },
      clientErrorHandler: createClientErrorHandler(this.logger),
      schemaErrorFormatter: (errors, part) => new Error(validationMessage(errors as SchemaError[], part)),
      schemaController: { compilersFactory: { buildValidator: strictBodyValidatorFactory() } },
    })
    const allowed = new AllowedMethods()
    server.addHook('onRoute', (route) => allowed.add(route.method, route.url))
    server.addHook('onSend', (_request, reply, payload, done) => {
      if (this.#closing) void reply.header('connection', 'close')
      done(null, payload)
    })
    server.setErrorHandler(createErrorHandler(settings.retryAfterSeconds))
    server.setNotFoundHandler(createNotFoundHandler(allowed))
    addHealthRoutes(server, () => this.readiness)
    // Plugins that come with this package and are switched on by config (e.g. `[web] dashboard`) register here.
    return server
  }

  #listen(): Promise<void> {
    return (this.#listening ??= this.#bind())
  }

  async #bind(): Promise<void> {
    try {
      await this.server.ready()
      const main = this.#servers[0]!
      const bound: string[] = []
      for (const [index, address] of this.#settings.addresses.entries()) {
        let server = main
        if (index > 0) {
          server = createHttpServer(this.server.routing, this.#settings, createClientErrorHandler(this.logger))
          this.#servers.push(server)
        }
        bound.push(formatListenAddress(await listenOn(server, address)))
      }
      this.#addresses = bound
      for (const address of bound) this.logger.info({ url: `http://${address}` }, `Listening on http://${address}`)
      this.#listened.setResult([...bound])
    } catch (error) {
      closeServersNow(this.#servers)
      this.#listened.setException(error)
      throw error
    }
  }

  async #runDrain(): Promise<void> {
    // A bind still under way must end first, or the drain could miss a server that is about to listen.
    await this.#listening?.catch(() => {})
    const listening = this.#servers.filter((server) => server.listening)
    if (listening.length > 0) {
      const delay = this.#settings.shutdownDelayMs - (this.app.clock.now() - (this.#stopRequestedAt ?? this.app.clock.now()))
      if (delay > 0) {
        this.logger.info({ shutdownDelayMs: this.#settings.shutdownDelayMs }, `Readiness is 503; still serving for ${Math.ceil(delay)} ms`)
        await new Promise<void>((resolve) => this.app.clock.setTimeout(resolve, delay))
      }
      this.#closing = true
      const timeoutMs = this.#settings.shutdownTimeoutMs
      const { cutConnections } = await drainServers(listening, timeoutMs, this.app.clock)
      if (cutConnections > 0) {
        this.logger.warn({ connections: cutConnections, shutdownTimeoutMs: timeoutMs }, `${cutConnections} connection(s) still busy after ${timeoutMs} ms; closed them`)
      }
    }
    this.#closing = true
    this.#drained = true
    await this.server.close()
    this.#addresses = []
    if (listening.length > 0) this.logger.info('HTTP server closed')
  }
}
