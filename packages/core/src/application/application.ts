/**
 * `Application`: the kernel users subclass. It owns the DI container, logger, config, PubSub, clock, TaskService,
 * services and modules, the lifecycle state and the exit code, and hands each phase to its manager: the lifecycle
 * runner (init-time, exit-time and their deadlines), the ticker, the process integration (signals, process errors,
 * `Application.main`), the loop monitor and the shutdown summary.
 */
import 'reflect-metadata'
import { container as rootContainer, type DependencyContainer } from 'tsyringe'
import { realClock, type Clock } from '../clock/clock.js'
import { Config } from '../config/config.js'
import { expectedMessage } from '../internal/validate.js'
import { resolveLogLevel } from '../logging/log-level.js'
import { createLogger, LOGGER, type Logger } from '../logging/logger.js'
import { PubSub } from '../pubsub/pubsub.js'
import type { Module, ModuleClass } from '../service/module.js'
import type { Service, ServiceClass } from '../service/service.js'
import { TaskService } from '../tasks/task-service.js'
import { ApplicationLifecycle } from './application-lifecycle.js'
import { validateApplicationOptions, type ApplicationOptions } from './application-options.js'
import type { ApplicationState } from './application-state.js'
import { runAsMain } from './process-integration.js'
import { ServiceRegistry } from './service-registry.js'

export type { ApplicationOptions } from './application-options.js'

/**
 * The application kernel. Subclass it, add services, override `initialize()`, `main()` and `finalize()`, then
 * start the program with `Application.main(MyApp)` (or `run()` it yourself).
 *
 * - **Init-time** (`start()`): `[Application]` and `[logging]` config are checked, `Application.init!`; modules,
 *   then services in registration order (TaskService first), then `initialize()`. A throw finalizes what was
 *   initialized and rejects `start()`.
 * - **Run-time**: `Application.run!`, `main()`, `Application.tick!` every `tickPeriodMs` (drift-free) and
 *   `Application.tick/N!` every Nth tick; a blocked event loop is logged (`[Application] blocked_loop_warning`).
 * - **Exit-time** (`stop()`): `Application.stop!` (per request, with the stop counter) and `Application.exit!`;
 *   every service's `beforeFinalize()`, then `finalize()`, services in reverse (each after its `tasks` shut down),
 *   modules in reverse, TaskService last. Each step has its own deadline (`[Application] finalize_timeout`, and a
 *   share of `exitTimeoutMs` the steps before it cannot take); what misses it is abandoned and the exit code is
 *   raised to at least 1. One info record summarises the shutdown.
 *
 * @example
 * ```ts
 * import { Application, Service } from '@tsab/core'
 *
 * class Greeter extends Service {
 *   override initialize() {
 *     this.app.taskService.schedule(async function greet() { console.log('hello') })
 *   }
 * }
 *
 * class App extends Application {
 *   constructor() {
 *     super({ name: 'hello', config: { logging: { level: 'silent' } }, handleSignals: false })
 *     this.addService(Greeter)
 *   }
 *   protected override async main() {
 *     await this.taskService.onIdle()
 *     await this.stop()
 *   }
 * }
 *
 * console.log(await new App().run())
 * ```
 *
 * ```text
 * hello
 * 0
 * ```
 */
export class Application {
  /** `options.name` ?? the class name. */
  readonly name: string
  /** The app's own tsyringe child container. */
  readonly container: DependencyContainer
  /** The app's pino logger. */
  readonly logger: Logger
  /** Layered configuration. */
  readonly config: Config
  /** The application's message bus. */
  readonly pubsub: PubSub
  /** The clock for ticks, the TaskService and every service's tasks. */
  readonly clock: Clock
  /** Fire-and-forget work; always present, registered first. */
  readonly taskService: TaskService

  readonly #services = new ServiceRegistry()
  readonly #lifecycle: ApplicationLifecycle

  constructor(options?: ApplicationOptions) {
    validateApplicationOptions(options)
    const o = options ?? {}
    this.name = o.name ?? new.target.name
    this.clock = o.clock ?? realClock
    const configOptions: ConstructorParameters<typeof Config>[0] = { env: process.env }
    if (o.config !== undefined) configOptions.config = o.config
    if (o.configFile !== undefined) configOptions.configFile = o.configFile
    this.config = new Config(configOptions)
    const level = o.logger === undefined ? resolveLogLevel(this.config, process.env) : undefined
    this.logger = o.logger ?? createLogger({ level: level!.level, name: this.name, pretty: process.env['LOG_PRETTY'] === '1' })
    this.pubsub = new PubSub({ logger: this.logger.child({ component: 'PubSub' }), clock: this.clock })
    this.container = (o.container ?? rootContainer).createChildContainer()
    this.container.registerInstance(Application, this)
    if (new.target !== Application) this.container.registerInstance(new.target, this)
    this.container.registerInstance(Config, this.config)
    this.container.registerInstance(PubSub, this.pubsub)
    this.container.registerInstance(LOGGER, this.logger)
    const handleSignals = o.handleSignals ?? true
    this.#lifecycle = new ApplicationLifecycle(this, {
      exitTimeoutMs: o.exitTimeoutMs ?? 30_000,
      tickPeriodMs: o.tickPeriodMs ?? 1000,
      process: { signals: handleSignals, errors: o.handleProcessErrors ?? handleSignals },
      configError: level?.error,
      services: () => this.#services.ordered,
      modules: () => this.#services.modules(),
      initializeApp: () => this.initialize(),
      main: () => this.main(),
      finalizeApp: () => this.finalize(),
      appFinalizes: () => this.finalize !== Application.prototype.finalize,
    })
    this.taskService = this.addService(new TaskService(this))
  }

  /**
   * Constructs `AppClass` (with `options`), runs it (signals and process errors handled, unless the options say
   * otherwise), flushes its logger and ends the process with the exit code, even when something left a timer or
   * a socket open. A constructor that throws is logged at fatal level and ends the process with code 1.
   *
   * @example
   * ```ts fragment
   * import { Application } from '@tsab/core'
   * class Server extends Application {}
   * await Application.main(Server)
   * ```
   */
  static main<A extends Application>(AppClass: new (options?: ApplicationOptions) => A, options?: ApplicationOptions): Promise<never> {
    if (typeof AppClass !== 'function') throw new TypeError(expectedMessage('AppClass', 'an Application class', AppClass))
    validateApplicationOptions(options)
    const create = (): Application => {
      const app: unknown = new AppClass(options)
      if (!(app instanceof Application)) throw new TypeError(expectedMessage('AppClass', 'a class whose instances are Applications', app))
      return app
    }
    return runAsMain(create, AppClass.name || 'Application')
  }

  /** The lifecycle state. */
  get state(): ApplicationState {
    return this.#lifecycle.state
  }

  /** The exit code so far; only ever raised (by `stop(code)`, a failing init or `main()`, an incomplete shutdown). */
  get exitCode(): number {
    return this.#lifecycle.exitCode
  }

  /** True while `running`. */
  get isRunning(): boolean {
    return this.#lifecycle.state === 'running'
  }

  /** User hook: the last step of init-time. A throw aborts the start. */
  protected initialize(): void | Promise<void> {}

  /** User hook: called once at run-time. Returning does not stop the app; a throw stops it with exit code 1. */
  protected main(): void | Promise<void> {}

  /** User hook: called at exit-time after every service's `beforeFinalize()`, before the services are finalized. */
  protected finalize(): void | Promise<void> {}

  /**
   * Adds a service (a class or an instance built for this app). A class decorated for injection is resolved
   * through `container` (constructor injection), otherwise constructed as `new Cls(app)`. The instance is registered
   * under its class and its name. Added while initializing or running, it is initialized before the next tick.
   *
   * @throws DuplicateServiceError when the name is in use (nothing is registered)
   */
  addService<S extends Service>(service: ServiceClass<S> | S): S {
    this.#lifecycle.assertAccepting('service')
    const instance = this.#services.register(this, this.container, service)
    this.#lifecycle.added(instance)
    return instance
  }

  /**
   * The service registered under a name or class.
   *
   * @throws ServiceNotFoundError listing the registered names
   */
  getService<S extends Service>(key: string | ServiceClass<S>): S {
    return this.#services.get(key) as S
  }

  /** True when a service is registered under that name or class. */
  hasService(key: string | ServiceClass<Service>): boolean {
    if (typeof key !== 'string' && typeof key !== 'function') throw new TypeError(expectedMessage('key', 'a service name or class', key))
    return this.#services.find(key) !== undefined
  }

  /** Adds a module (idempotent per class: the second call returns the first instance). */
  addModule<M extends Module>(module: ModuleClass<M>): M {
    const existing = this.#services.findModule(module)
    if (existing !== undefined) return existing
    this.#lifecycle.assertAccepting('module')
    const instance = this.#services.addModule(this, module)
    this.#lifecycle.added(instance)
    return instance
  }

  /**
   * Runs init-time and starts run-time. Resolves once `main()` has been called (or, if `stop()` came during
   * init-time, once the app is stopped). Rejects with the error of a failing `initialize()` or a bad config value.
   * Never installs process handlers. A second call returns the same promise.
   */
  start(): Promise<void> {
    return this.#lifecycle.start()
  }


  /**
   * Requests exit-time. Raises the exit code to `exitCode` (never lowers it), publishes `Application.stop!`
   * with the stop counter, and resolves with the exit code once the app is `stopped`. Idempotent.
   */
  stop(exitCode?: number): Promise<number> {
    return this.#lifecycle.stop(exitCode)
  }


  /**
   * Starts the app, waits until it stops (by `stop()`, a signal or a crash) and returns the exit code; the process
   * is left alone (`Application.main` ends it). With `handleSignals` (default), the 1st SIGINT/SIGTERM stops
   * gracefully, the 2nd logs the running tasks, the 3rd exits at once with code 70; SIGHUP publishes
   * `Application.hup!`. With `handleProcessErrors` (default: as `handleSignals`), an unhandled rejection or uncaught
   * exception is logged at fatal level and stops the app with exit code 1.
   *
   * @example
   * ```ts fragment
   * const code = await new MyApp().run()
   * ```
   */
  run(): Promise<number> {
    return this.#lifecycle.run()
  }


  /** `await using app = …` stops the app at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop()
  }
}
