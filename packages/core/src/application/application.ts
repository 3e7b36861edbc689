/**
 * `Application`: the kernel users subclass. It owns the DI container, logger, config, PubSub, clock, TaskService
 * and services, and drives init-time → run-time → exit-time with ticks, signals, exit codes and an exit budget.
 *
 * Service bookkeeping is in `service-registry.ts`; signal handlers in `process-signals.ts`.
 */
import 'reflect-metadata'
import { container as rootContainer, type DependencyContainer } from 'tsyringe'
import { realClock, type Clock } from '../clock/clock.js'
import { Config } from '../config/config.js'
import { TimeoutError } from '../errors/cancellation.js'
import { InvalidStateError } from '../errors/errors.js'
import { deferred } from '../internal/deferred.js'
import {
  assertBoolean,
  assertNonEmptyString,
  assertNumber,
  assertOptionalObject,
  expectedMessage,
  isThenable,
} from '../internal/validate.js'
import { createLogger, LOGGER, type Logger } from '../logging/logger.js'
import { Messages, TICK_PERIODS } from '../pubsub/messages.js'
import { PubSub } from '../pubsub/pubsub.js'
import type { Module, ModuleClass } from '../service/module.js'
import { createdTasksOf, type Service, type ServiceClass } from '../service/service.js'
import { TaskService } from '../tasks/task-service.js'
import type { ApplicationState } from './application-state.js'
import { installSignalHandlers } from './process-signals.js'
import { ServiceRegistry } from './service-registry.js'

/**
 * Options of {@link Application}.
 *
 * @example
 * ```ts
 * import { Application } from '@tsab/core'
 * const app = new Application({ name: 'api', config: { web: { listen: '127.0.0.1:8080' } }, exitTimeoutMs: 10_000 })
 * ```
 */
export interface ApplicationOptions {
  /** @default the class name */
  name?: string
  /** Config values: sections → keys → values (above defaults, below the file and the environment). */
  config?: Record<string, Record<string, unknown>>
  /** A JSON or INI config file (by extension). @default env `TSAB_CONFIG` */
  configFile?: string
  /** @default pino, level from config `[logging] level`, env `LOG_LEVEL`, else `'info'` (`LOG_PRETTY=1` for pretty output) */
  logger?: Logger
  /** Parent of the app's own child container. @default tsyringe's root container */
  container?: DependencyContainer
  /** Milliseconds between `Application.tick!` messages. @default 1000 */
  tickPeriodMs?: number
  /** Total budget of exit-time in milliseconds; what still hangs after it is logged and skipped. @default 30000 */
  exitTimeoutMs?: number
  /** Install SIGINT/SIGTERM/SIGHUP handlers in `run()` (never in `start()`). @default true */
  handleSignals?: boolean
  /** Time source for ticks, the TaskService and every service's tasks. @default realClock */
  clock?: Clock
}

const EMERGENCY_EXIT_CODE = 70
// Thrown inside init-time when a stop() waited the whole exit budget for a hanging initialize().
const kInitCutOff = Symbol('init cut off')
// At most this long before its deadline, a finalize step's signal aborts so it can wrap up (log what it leaves behind).
const STEP_GRACE_MS = 250

function validateOptions(options: unknown): asserts options is ApplicationOptions {
  assertOptionalObject('options', options)
  if (options === undefined) return
  const o = options as ApplicationOptions
  if (o.name !== undefined) assertNonEmptyString('options.name', o.name)
  if (o.config !== undefined) assertOptionalObject('options.config', o.config)
  if (o.configFile !== undefined) assertNonEmptyString('options.configFile', o.configFile)
  if (o.tickPeriodMs !== undefined) assertNumber('options.tickPeriodMs', o.tickPeriodMs, { min: 0, exclusiveMin: true })
  if (o.exitTimeoutMs !== undefined) assertNumber('options.exitTimeoutMs', o.exitTimeoutMs, { min: 0 })
  if (o.handleSignals !== undefined) assertBoolean('options.handleSignals', o.handleSignals)
  if (o.logger !== undefined && (typeof o.logger !== 'object' || typeof o.logger.child !== 'function')) {
    throw new TypeError(expectedMessage('options.logger', 'a pino logger', o.logger))
  }
  if (o.clock !== undefined && (typeof o.clock !== 'object' || typeof o.clock.setTimeout !== 'function')) {
    throw new TypeError(expectedMessage('options.clock', 'a Clock', o.clock))
  }
  if (o.container !== undefined && (typeof o.container !== 'object' || typeof o.container.createChildContainer !== 'function')) {
    throw new TypeError(expectedMessage('options.container', 'a tsyringe DependencyContainer', o.container))
  }
}

/**
 * The application kernel. Subclass it, add services, override `initialize()`, `main()` and `finalize()`,
 * then `run()` it.
 *
 * - **Init-time** (`start()`): publishes `Application.init!`; modules, then services in registration order
 *   (TaskService first), then `initialize()`. A throw finalizes what was initialized and rejects `start()`.
 * - **Run-time**: publishes `Application.run!`, calls `main()`, publishes `Application.tick!` every `tickPeriodMs`
 *   (drift-free) and `Application.tick/N!` every Nth tick.
 * - **Exit-time** (`stop()`): publishes `Application.stop!` (per request, with the stop counter) and
 *   `Application.exit!`; `finalize()`, services in reverse order (each after its `tasks` shut down), modules in
 *   reverse, TaskService last; all within `exitTimeoutMs`.
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

  #state: ApplicationState = 'created'
  #exitCode = 0
  // Stop requests so far (stop() calls and signals alike): published with Application.stop!.
  #stopCount = 0
  readonly #services = new ServiceRegistry()
  readonly #modules = new Map<ModuleClass, Module>()
  // Services and modules whose initialize() completed: only these are finalized.
  readonly #initialized = new Set<Service | Module>()
  #appInitialized = false
  // A stop() arrived during init-time: go to exit-time right after it.
  #stopRequested = false
  // The module or service whose initialize() runs now: named when it fails or hangs.
  #initCulprit: string | undefined
  #initCulpritName: string | undefined
  // Resolved when a stop() during init-time has waited exitTimeoutMs for a hanging initialize(): init is cut off.
  readonly #initCutoff = deferred<void>()
  #initCutoffTimer: unknown
  #startPromise: Promise<void> | undefined
  #exitPromise: Promise<void> | undefined
  readonly #stopped = deferred<number>()
  // Late additions (while running) waiting to be initialized before the next tick.
  #lateInit: Promise<void> | undefined
  readonly #tickPeriodMs: number
  readonly #exitTimeoutMs: number
  readonly #handleSignals: boolean
  #tickTimer: unknown
  #tickOrigin = 0
  #tickCount = 0
  #removeSignalHandlers: (() => void) | undefined

  constructor(options?: ApplicationOptions) {
    validateOptions(options)
    const o = options ?? {}
    this.name = o.name ?? new.target.name
    this.clock = o.clock ?? realClock
    this.#tickPeriodMs = o.tickPeriodMs ?? 1000
    this.#exitTimeoutMs = o.exitTimeoutMs ?? 30_000
    this.#handleSignals = o.handleSignals ?? true
    const configOptions: ConstructorParameters<typeof Config>[0] = { env: process.env }
    if (o.config !== undefined) configOptions.config = o.config
    if (o.configFile !== undefined) configOptions.configFile = o.configFile
    this.config = new Config(configOptions)
    this.logger =
      o.logger ??
      createLogger({
        level: this.config.getString('logging', 'level') ?? process.env['LOG_LEVEL'] ?? 'info',
        name: this.name,
        pretty: process.env['LOG_PRETTY'] === '1',
      })
    this.pubsub = new PubSub({ logger: this.logger.child({ component: 'PubSub' }), clock: this.clock })
    this.container = (o.container ?? rootContainer).createChildContainer()
    this.container.registerInstance(Application, this)
    if (new.target !== Application) this.container.registerInstance(new.target, this)
    this.container.registerInstance(Config, this.config)
    this.container.registerInstance(PubSub, this.pubsub)
    this.container.registerInstance(LOGGER, this.logger)
    this.taskService = this.addService(new TaskService(this))
  }

  /** The lifecycle state. */
  get state(): ApplicationState {
    return this.#state
  }

  /** The exit code so far; only ever raised (by `stop(code)`, a failing `main()` or init). */
  get exitCode(): number {
    return this.#exitCode
  }

  /** True while `running`. */
  get isRunning(): boolean {
    return this.#state === 'running'
  }

  /** User hook: the last step of init-time. A throw aborts the start. */
  protected initialize(): void | Promise<void> {}

  /** User hook: called once at run-time. Returning does not stop the app; a throw stops it with exit code 1. */
  protected main(): void | Promise<void> {}

  /** User hook: the first step of exit-time, before the services are finalized. */
  protected finalize(): void | Promise<void> {}

  /**
   * Adds a service (a class or an instance built for this app). A class decorated for injection is resolved
   * through `container` (constructor injection), otherwise constructed as `new Cls(app)`. The instance is registered
   * under its class and its name. Added while initializing or running, it is initialized before the next tick.
   *
   * @throws DuplicateServiceError when the name is in use (nothing is registered)
   */
  addService<S extends Service>(service: ServiceClass<S> | S): S {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new InvalidStateError(`Cannot add a service to application "${this.name}" in state "${this.#state}"; expected "created", "initializing" or "running"`)
    }
    const instance = this.#services.construct(this, this.container, service)
    this.#services.add(instance)
    this.container.registerInstance(instance.constructor as new () => S, instance)
    this.container.registerInstance(instance.name, instance)
    if (this.#state === 'running') this.#initializeLate(instance)
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
    if (typeof module !== 'function') throw new TypeError(expectedMessage('module', 'a Module class', module))
    const existing = this.#modules.get(module)
    if (existing !== undefined) return existing as M
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new InvalidStateError(`Cannot add a module to application "${this.name}" in state "${this.#state}"; expected "created", "initializing" or "running"`)
    }
    const instance = new module(this)
    this.#modules.set(module, instance)
    if (this.#state === 'running') this.#initializeLate(instance)
    return instance
  }

  /**
   * Runs init-time and starts run-time. Resolves once `main()` has been called (or, if `stop()` came during
   * init-time, once the app is stopped). Rejects with the error of a failing `initialize()`. Never installs
   * signal handlers. A second call returns the same promise.
   */
  start(): Promise<void> {
    if (this.#startPromise === undefined) {
      this.#startPromise = this.#start()
      // start() may be called and its promise dropped: the error is also logged and reflected in the exit code.
      this.#startPromise.catch(() => {})
    }
    return this.#startPromise
  }

  /**
   * Requests exit-time. Raises the exit code to `exitCode` (never lowers it), publishes `Application.stop!`
   * with the stop counter, and resolves with the exit code once the app is `stopped`. Idempotent.
   */
  stop(exitCode?: number): Promise<number> {
    if (exitCode !== undefined) assertNumber('exitCode', exitCode, { min: 0, max: 255, integer: true })
    if (this.#state !== 'stopped') this.#raiseExitCode(exitCode ?? 0)
    this.#stopCount += 1
    this.pubsub.publish(Messages.ApplicationStop, this.#stopCount)
    switch (this.#state) {
      case 'created':
        // Never started: nothing to finalize but the TaskService, whose queued tasks must not stay queued for ever.
        this.#state = 'stopping'
        void this.taskService.finalize().then(
          () => this.#markStopped(),
          (error: unknown) => {
            this.#safeLog(() => this.logger.error({ err: error, service: 'TaskService' }, 'Finalizing service "TaskService" failed'))
            this.#markStopped()
          },
        )
        break
      case 'initializing':
        this.#stopRequested = true
        // A hanging initialize() must not make stop() hang: it gets the exit budget, then init is cut off.
        this.#initCutoffTimer ??= this.clock.setTimeout(() => this.#initCutoff.resolve(), this.#exitTimeoutMs)
        break
      case 'running':
        void this.#exitTime()
        break
      default:
        break
    }
    return this.#stopped.promise
  }

  /**
   * Starts the app, waits until it stops (by `stop()` or a signal) and returns the exit code. With
   * `handleSignals` (default), the 1st SIGINT/SIGTERM stops gracefully, the 2nd logs the running tasks, the 3rd
   * exits the process at once with code 70; SIGHUP publishes `Application.hup!`.
   *
   * @example
   * ```ts fragment
   * process.exitCode = await new MyApp().run()
   * ```
   */
  async run(): Promise<number> {
    if (this.#handleSignals && this.#removeSignalHandlers === undefined && this.#state !== 'stopped') {
      this.#removeSignalHandlers = installSignalHandlers({
        onStopSignal: (signal, count) => this.#onStopSignal(signal, count),
        onHangup: () => this.pubsub.publish(Messages.ApplicationHup),
      })
    }
    if (this.#state === 'created') {
      try {
        await this.start()
      } catch {
        // Logged by start(); the exit code is already 1.
      }
    }
    return this.#stopped.promise
  }

  /** `await using app = …` stops the app at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop()
  }

  async #start(): Promise<void> {
    if (this.#state !== 'created') {
      throw new InvalidStateError(`Cannot start application "${this.name}" in state "${this.#state}"; expected "created"`)
    }
    this.#state = 'initializing'
    this.pubsub.publish(Messages.ApplicationInit)
    try {
      await this.#initializePending()
      await this.#initStep(`Application "${this.name}"`, this.name, () => this.initialize())
      this.#appInitialized = true
      await this.#initializePending()
    } catch (error) {
      const culprit = this.#initCulprit ?? `Application "${this.name}"`
      const service = this.#initCulpritName ?? this.name
      this.#raiseExitCode(1)
      if (error === kInitCutOff) {
        this.#safeLog(() =>
          this.logger.error(
            { service, exitTimeoutMs: this.#exitTimeoutMs },
            `Initializing ${culprit} did not finish within the exit budget of ${this.#exitTimeoutMs} ms after stop(); skipped`,
          ),
        )
        await this.#exitTime()
        return
      }
      this.#safeLog(() => this.logger.error({ err: error, service }, `Application "${this.name}" failed to initialize: ${culprit} threw`))
      await this.#exitTime()
      throw error
    } finally {
      this.#initCulprit = undefined
      if (this.#initCutoffTimer !== undefined) this.clock.clearTimeout(this.#initCutoffTimer)
    }
    if (this.#stopRequested) {
      await this.#exitTime()
      return
    }
    this.#state = 'running'
    this.pubsub.publish(Messages.ApplicationRun)
    // A subscriber of Application.run! may have stopped the app: then no ticks and no main().
    if (this.#state !== 'running') return
    this.#startTicks()
    this.#callMain()
  }

  // Initializes, in order, every module and then every service not initialized yet (also those added meanwhile).
  async #initializePending(): Promise<void> {
    for (let progress = true; progress; ) {
      progress = false
      for (const module of [...this.#modules.values()]) {
        if (this.#initialized.has(module)) continue
        await this.#initStep(`module "${module.constructor.name}"`, module.constructor.name, () => module.initialize())
        this.#initialized.add(module)
        progress = true
      }
      for (const service of [...this.#services.ordered]) {
        if (this.#initialized.has(service)) continue
        await this.#initStep(`service "${service.name}"`, service.name, () => service.initialize())
        this.#initialized.add(service)
        progress = true
      }
    }
  }

  // Runs one initialize() hook, remembering whose it is; gives up on it when a stop() cut init-time off.
  async #initStep(culprit: string, name: string, hook: () => unknown): Promise<void> {
    this.#initCulprit = culprit
    this.#initCulpritName = name
    const outcome = await Promise.race([Promise.resolve(hook()), this.#initCutoff.promise.then(() => kInitCutOff)])
    if (outcome === kInitCutOff) throw kInitCutOff
    this.#initCulprit = undefined
  }

  #initializeLate(item: Service | Module): void {
    const previous = this.#lateInit ?? Promise.resolve()
    const current = previous.then(async () => {
      if (this.#state !== 'running') return
      try {
        await item.initialize()
        this.#initialized.add(item)
      } catch (error) {
        const name = 'name' in item ? item.name : item.constructor.name
        this.#safeLog(() => this.logger.error({ err: error, service: name }, `"${name}" failed to initialize; stopping`))
        void this.stop(1)
      }
    })
    this.#lateInit = current
    void current.then(() => {
      if (this.#lateInit === current) this.#lateInit = undefined
    })
  }

  #callMain(): void {
    let result: void | Promise<void>
    try {
      result = this.main()
    } catch (error) {
      this.#mainFailed(error)
      return
    }
    if (isThenable(result)) Promise.resolve(result).then(undefined, (error: unknown) => this.#mainFailed(error))
  }

  #mainFailed(error: unknown): void {
    this.#safeLog(() => this.logger.error({ err: error }, `main() of application "${this.name}" failed`))
    void this.stop(1)
  }

  #startTicks(): void {
    this.#tickOrigin = this.clock.now()
    this.#tickCount = 0
    this.#armTick()
  }

  // Drift-free: the n-th tick is due at origin + n * period, whatever the previous one cost.
  #armTick(): void {
    const due = this.#tickOrigin + (this.#tickCount + 1) * this.#tickPeriodMs
    this.#tickTimer = this.clock.setTimeout(this.#onTick, Math.max(0, due - this.clock.now()))
  }

  readonly #onTick = (): void => {
    this.#tickTimer = undefined
    if (this.#state !== 'running') return
    const late = this.#lateInit
    if (late !== undefined) void late.then(this.#publishTick)
    else this.#publishTick()
  }

  readonly #publishTick = (): void => {
    if (this.#state !== 'running') return
    const count = ++this.#tickCount
    this.pubsub.publish(Messages.ApplicationTick)
    for (const period of TICK_PERIODS) {
      if (count % period === 0) this.pubsub.publish(`Application.tick/${period}!`)
    }
    this.#armTick()
  }

  #stopTicks(): void {
    if (this.#tickTimer !== undefined) {
      this.clock.clearTimeout(this.#tickTimer)
      this.#tickTimer = undefined
    }
  }

  #onStopSignal(signal: NodeJS.Signals, count: number): void {
    if (count >= 3) {
      this.#safeLog(() => this.logger.fatal({ signal, count }, `Received ${signal} ${count} times; emergency exit`))
      process.exit(EMERGENCY_EXIT_CODE)
    }
    if (count === 2) {
      const running = this.taskService.list().filter((info) => info.state === 'running').map((info) => info.name)
      this.#safeLog(() =>
        this.logger.warn(
          { signal, tasks: running },
          `Received ${signal} again while stopping; ${running.length} running tasks: ${running.join(', ') || '(none)'}. Send it once more to exit at once`,
        ),
      )
    } else {
      this.#safeLog(() => this.logger.info({ signal }, `Received ${signal}; stopping`))
    }
    void this.stop()
  }

  #raiseExitCode(code: number): void {
    if (code > this.#exitCode) this.#exitCode = code
  }

  #removeSignals(): void {
    this.#removeSignalHandlers?.()
    this.#removeSignalHandlers = undefined
  }

  #exitTime(): Promise<void> {
    return (this.#exitPromise ??= this.#runExitTime())
  }

  async #runExitTime(): Promise<void> {
    this.#state = 'stopping'
    const deadline = this.clock.now() + this.#exitTimeoutMs
    this.#stopTicks()
    this.pubsub.publish(Messages.ApplicationExit)
    // A late service may be in the middle of initialize(): let it finish, so it is finalized like the others.
    const late = this.#lateInit
    if (late !== undefined) await this.#bounded('late initialization', this.name, () => late, deadline)
    const services = this.#services.ordered.filter((service) => service !== this.taskService && this.#initialized.has(service))
    // Every service stops taking work before anything is finalized (a web server drains its requests first).
    for (const service of [...services].reverse()) {
      await this.#bounded(`service "${service.name}" (beforeFinalize)`, service.name, () => service.beforeFinalize(), deadline)
    }
    if (this.#appInitialized) await this.#bounded('Application.finalize()', this.name, () => this.finalize(), deadline)
    for (const service of services.reverse()) {
      await this.#bounded(`service "${service.name}"`, service.name, async (signal) => {
        const tasks = createdTasksOf(service)
        if (tasks !== undefined) {
          try {
            await tasks.shutdownTaskManager({ timeoutMs: Math.max(0, deadline - this.clock.now()) })
          } catch (error) {
            this.#safeLog(() => service.logger.error({ err: error, service: service.name }, `Shutting down the tasks of "${service.name}" failed`))
          }
        }
        await service.finalize(signal)
      }, deadline)
    }
    for (const module of [...this.#modules.values()].reverse()) {
      if (!this.#initialized.has(module)) continue
      const name = module.constructor.name
      await this.#bounded(`module "${name}"`, name, (signal) => module.finalize(signal), deadline)
    }
    if (this.#initialized.has(this.taskService)) {
      await this.#bounded('service "TaskService"', 'TaskService', (signal) => this.taskService.finalize(signal), deadline)
    }
    this.#markStopped()
  }

  #markStopped(): void {
    this.#state = 'stopped'
    this.#removeSignals()
    this.#stopped.resolve(this.#exitCode)
  }

  // Runs one finalize step; logs its failure with the culprit's name; gives up on it at the deadline. Shortly before
  // (a tenth of what is left, at most STEP_GRACE_MS) the step's signal aborts, so a step that waits for something can
  // cut its wait short and say what it leaves behind while it still counts.
  async #bounded(label: string, culprit: string, step: (signal: AbortSignal) => unknown, deadline: number): Promise<void> {
    const onError = (error: unknown): void =>
      this.#safeLog(() => this.logger.error({ err: error, service: culprit }, `Finalizing ${label} failed`))
    const controller = new AbortController()
    const left = Math.max(0, deadline - this.clock.now())
    const wrapUp = this.clock.setTimeout(
      () => controller.abort(new TimeoutError(this.#exitTimeoutMs, `Finalizing ${label} reached the end of its exit budget`)),
      left - Math.min(STEP_GRACE_MS, left / 10),
    )
    let pending: Promise<unknown>
    try {
      pending = Promise.resolve(step(controller.signal))
    } catch (error) {
      this.clock.clearTimeout(wrapUp)
      onError(error)
      return
    }
    let timer: unknown
    const outOfTime = Symbol('out of time')
    const budget = new Promise<typeof outOfTime>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(outOfTime), left)
    })
    try {
      const outcome = await Promise.race([pending, budget])
      if (outcome === outOfTime) {
        pending.catch(onError)
        this.#safeLog(() =>
          this.logger.error(
            { service: culprit, exitTimeoutMs: this.#exitTimeoutMs },
            `Finalizing ${label} did not finish within the exit budget of ${this.#exitTimeoutMs} ms; skipped`,
          ),
        )
      }
    } catch (error) {
      onError(error)
    } finally {
      this.clock.clearTimeout(timer)
      this.clock.clearTimeout(wrapUp)
    }
  }

  // A broken logger must never break the lifecycle.
  #safeLog(write: () => void): void {
    try {
      write()
    } catch {
      // Nothing sensible left to report to.
    }
  }
}
