/**
 * The lifecycle runner: init-time in order (modules, services, the app's own `initialize()`, then whatever was
 * added meanwhile), late initialization of what is added while running, and exit-time in reverse, every finalize
 * step under its own deadline (`exit-budget.ts`, `finalize-step.ts`). It calls only the lifecycle hooks of services
 * and modules; the Application decides when each phase runs and what the outcome means for the exit code.
 */
import type { Clock } from '../clock/clock.js'
import { deferred } from '../internal/deferred.js'
import type { Logger } from '../logging/logger.js'
import { Module } from '../service/module.js'
import { Service, createdTasksOf } from '../service/service.js'
import { registerDecoratedCrons } from '../tasks/cron-decorator.js'
import type { TaskService } from '../tasks/task-service.js'
import { ExitBudget } from './exit-budget.js'
import { runFinalizeStep, type FinalizeStep } from './finalize-step.js'

/** What the runner needs from the Application. @internal */
export interface LifecycleHost {
  readonly name: string
  readonly clock: Clock
  /** A logger that never throws. */
  readonly logger: Logger
  readonly taskService: TaskService
  services(): readonly Service[]
  modules(): readonly Module[]
  /** The app's own `initialize()` hook. */
  initializeApp(): unknown
  /** The app's own `finalize()` hook. */
  finalizeApp(): unknown
  /** Whether the app's `finalize()` was overridden (a no-op hook keeps no share of the budget). */
  appFinalizes(): boolean
  /** Whether the app is running (late initialization only happens then). */
  isRunning(): boolean
  /** Whether a stop() came during init-time (then nothing starts serving: no afterInitialize()). */
  stopRequested(): boolean
  /** A service or module added while running failed to initialize (already logged). */
  lateInitFailed(): void
}

/** How init-time ended when it did not throw: completed, or cut off by a stop() while a hook hung. @internal */
export type InitOutcome = 'done' | 'cut-off'

/** What exit-time left behind. @internal */
export interface ExitReport {
  /** Names of the steps whose finalize threw. */
  readonly failed: readonly string[]
  /** Names of the steps abandoned at their deadline. */
  readonly abandoned: readonly string[]
  /** Tasks the TaskService could not settle. */
  readonly tasksLeft: number
}

// Thrown inside init-time when a stop() waited the whole exit budget for a hanging initialize().
const kInitCutOff = Symbol('init cut off')

const overrides = (instance: object, method: 'beforeFinalize' | 'finalize', base: object): boolean =>
  (instance as Record<string, unknown>)[method] !== (base as Record<string, unknown>)[method]

/** Runs the lifecycle hooks of an Application's services and modules. @internal */
export class LifecycleRunner {
  readonly #host: LifecycleHost
  // Services and modules whose initialize() completed: only these are finalized.
  readonly #initialized = new Set<Service | Module>()
  // Services whose afterInitialize() ran (or is running).
  readonly #started = new Set<Service>()
  #appInitialized = false
  // The hook that runs now: named when it fails or hangs.
  #culprit: { label: string; name: string } | undefined
  // Resolved when a stop() during init-time has waited its budget for a hanging initialize().
  readonly #cutoff = deferred<void>()
  #cutoffTimer: unknown
  #cutoffMs = 0
  // Late additions (while running) waiting to be initialized, chained in order.
  #late: Promise<void> | undefined

  constructor(host: LifecycleHost) {
    this.#host = host
  }

  /** Whether the app's own `initialize()` completed (only then is its `finalize()` called). */
  get appInitialized(): boolean {
    return this.#appInitialized
  }

  /** Late initializations still in progress, if any (ticks wait for them). */
  get lateInit(): Promise<void> | undefined {
    return this.#late
  }

  /**
   * Init-time: every module, then every service not initialized yet (in order, also those added meanwhile), then
   * the app's `initialize()`, then anything added by it. Logs and rethrows the first failure, naming its culprit.
   */
  async initialize(): Promise<InitOutcome> {
    const { name, logger } = this.#host
    try {
      await this.#initializePending()
      await this.#initStep({ label: `Application "${name}"`, name }, () => this.#host.initializeApp())
      this.#appInitialized = true
      await this.#initializePending()
      if (!this.#host.stopRequested()) await this.#afterInitializeAll()
      return 'done'
    } catch (error) {
      const culprit = this.#culprit ?? { label: `Application "${name}"`, name }
      if (error === kInitCutOff) {
        logger.error(
          { service: culprit.name, exitTimeoutMs: this.#cutoffMs },
          `Initializing ${culprit.label} did not finish within the exit budget of ${this.#cutoffMs} ms after stop(); skipped`,
        )
        return 'cut-off'
      }
      logger.error({ err: error, service: culprit.name }, `Application "${name}" failed to initialize: ${culprit.label} threw`)
      throw error
    } finally {
      this.#culprit = undefined
      if (this.#cutoffTimer !== undefined) this.#host.clock.clearTimeout(this.#cutoffTimer)
    }
  }

  /** A stop() arrived during init-time: a hook that still runs after `ms` is given up (init is cut off). */
  cutOffInitAfter(ms: number): void {
    if (this.#cutoffTimer !== undefined) return
    this.#cutoffMs = ms
    this.#cutoffTimer = this.#host.clock.setTimeout(() => this.#cutoff.resolve(), ms)
  }

  /** Initializes a service or module added while running, after the earlier late additions. */
  initializeLate(item: Service | Module): void {
    const current = (this.#late ?? Promise.resolve()).then(async () => {
      if (!this.#host.isRunning()) return
      try {
        await item.initialize()
        this.#initialized.add(item)
        if (item instanceof Service) {
          registerDecoratedCrons(item)
          this.#started.add(item)
          await item.afterInitialize()
        }
      } catch (error) {
        const name = item instanceof Service ? item.name : item.constructor.name
        this.#host.logger.error({ err: error, service: name }, `"${name}" failed to initialize; stopping`)
        this.#host.lateInitFailed()
      }
    })
    this.#late = current
    void current.then(() => {
      if (this.#late === current) this.#late = undefined
    })
  }

  /**
   * Exit-time: every step in order under the budget rules of {@link ExitBudget}; reports what failed, what was
   * abandoned and how many tasks were left. Never throws.
   */
  async finalize(exitTimeoutMs: number, finalizeTimeoutMs: number): Promise<ExitReport> {
    const { clock, logger, taskService } = this.#host
    const steps = this.#exitSteps()
    const budget = new ExitBudget(clock, exitTimeoutMs, finalizeTimeoutMs, steps.reduce((sum, step) => sum + step.weight, 0))
    const failed: string[] = []
    const abandoned: string[] = []
    for (const step of steps) {
      const outcome = await runFinalizeStep(step, budget.next(step.weight), { clock, logger })
      if (outcome === 'failed') failed.push(step.culprit)
      else if (outcome === 'abandoned') abandoned.push(step.culprit)
    }
    return { failed, abandoned, tasksLeft: taskService.size }
  }

  // Every module, then every service, not initialized yet; repeated while hooks keep adding more.
  async #initializePending(): Promise<void> {
    for (let progress = true; progress; ) {
      progress = false
      for (const module of [...this.#host.modules()]) {
        if (this.#initialized.has(module)) continue
        await this.#initStep({ label: `module "${module.constructor.name}"`, name: module.constructor.name }, () => module.initialize())
        this.#initialized.add(module)
        progress = true
      }
      for (const service of [...this.#host.services()]) {
        if (this.#initialized.has(service)) continue
        await this.#initStep({ label: `service "${service.name}"`, name: service.name }, () => service.initialize())
        this.#initialized.add(service)
        // After initialize() resolved: a schedule never fires into a half-initialized service, and a service whose
        // initialize() threw (never finalized) leaves no schedule behind.
        registerDecoratedCrons(service)
        progress = true
      }
    }
  }

  // The last step of init-time: every service's afterInitialize(), in registration order, once everything else is
  // initialized (a web server binds its port here, after every service added its routes). Services added by these
  // hooks are initialized and started too.
  async #afterInitializeAll(): Promise<void> {
    for (let progress = true; progress; ) {
      progress = false
      for (const service of [...this.#host.services()]) {
        if (this.#host.stopRequested()) return
        if (this.#started.has(service) || !this.#initialized.has(service)) continue
        this.#started.add(service)
        await this.#initStep({ label: `service "${service.name}" (afterInitialize)`, name: service.name }, () => service.afterInitialize())
        progress = true
      }
      await this.#initializePending()
    }
  }

  // Runs one initialize() hook, remembering whose it is; gives up on it when a stop() cut init-time off.
  async #initStep(culprit: { label: string; name: string }, hook: () => unknown): Promise<void> {
    this.#culprit = culprit
    const outcome = await Promise.race([Promise.resolve(hook()), this.#cutoff.promise.then(() => kInitCutOff)])
    if (outcome === kInitCutOff) throw kInitCutOff
    this.#culprit = undefined
  }

  // The steps of exit-time, in order. Built from every registered service and module (a late one may still finish
  // initializing during the first step); each step checks at run time that its subject was initialized.
  #exitSteps(): FinalizeStep[] {
    const { name, taskService } = this.#host
    const steps: FinalizeStep[] = []
    const late = this.#late
    // A late service may be in the middle of initialize(): let it finish, so it is finalized like the others.
    if (late !== undefined) steps.push({ label: 'late initialization', culprit: name, weight: 1, run: () => late })
    const services = this.#host.services().filter((service) => service !== taskService).reverse()
    // Every service stops taking work before anything is finalized (a web server drains its requests first).
    for (const service of services) {
      steps.push({
        label: `service "${service.name}" (beforeFinalize)`,
        culprit: service.name,
        weight: overrides(service, 'beforeFinalize', Service.prototype) ? 1 : 0,
        run: () => (this.#initialized.has(service) ? service.beforeFinalize() : undefined),
      })
    }
    steps.push({
      label: 'Application.finalize()',
      culprit: name,
      weight: this.#host.appFinalizes() ? 1 : 0,
      run: () => (this.#appInitialized ? this.#host.finalizeApp() : undefined),
    })
    for (const service of services) {
      steps.push({
        label: `service "${service.name}"`,
        culprit: service.name,
        weight: overrides(service, 'finalize', Service.prototype) || createdTasksOf(service) !== undefined ? 1 : 0,
        run: (signal, signalAt) => (this.#initialized.has(service) ? this.#finalizeService(service, signal, signalAt) : undefined),
      })
    }
    for (const module of [...this.#host.modules()].reverse()) {
      steps.push({
        label: `module "${module.constructor.name}"`,
        culprit: module.constructor.name,
        weight: overrides(module, 'finalize', Module.prototype) ? 1 : 0,
        run: (signal) => (this.#initialized.has(module) ? module.finalize(signal) : undefined),
      })
    }
    // Last, and always (also when never initialized): its queued tasks must not stay queued for ever.
    steps.push({ label: 'service "TaskService"', culprit: taskService.name, weight: 1, run: (signal) => taskService.finalize(signal) })
    return steps
  }

  // A service's tasks are shut down right before its finalize(), within the same step and deadline.
  async #finalizeService(service: Service, signal: AbortSignal, signalAt: number): Promise<void> {
    const tasks = createdTasksOf(service)
    let tasksError: unknown
    if (tasks !== undefined) {
      try {
        await tasks.shutdownTaskManager({ timeoutMs: Math.max(0, signalAt - this.#host.clock.now()) })
      } catch (error) {
        tasksError = error
      }
    }
    try {
      await service.finalize(signal)
    } catch (error) {
      if (tasksError !== undefined) {
        this.#host.logger.error({ err: tasksError, service: service.name }, `Shutting down the tasks of "${service.name}" failed`)
      }
      throw error
    }
    if (tasksError !== undefined) throw tasksError
  }
}
