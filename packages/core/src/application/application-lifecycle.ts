/**
 * The Application's state machine: `created → initializing → running → stopping → stopped`, the exit code and the
 * stop counter. It decides when each phase runs and what its outcome means; the lifecycle runner calls the hooks,
 * the ticker ticks, the process integration and the loop monitor watch, the shutdown summary reports.
 */
import { InvalidStateError } from '../errors/errors.js'
import { deferred } from '../internal/deferred.js'
import { guardLogger } from '../internal/guarded-logger.js'
import { assertNumber, isThenable } from '../internal/validate.js'
import type { Logger } from '../logging/logger.js'
import { Messages } from '../pubsub/messages.js'
import type { Module } from '../service/module.js'
import type { Service } from '../service/service.js'
import type { Application } from './application.js'
import { DEFAULT_APPLICATION_SETTINGS, readApplicationSettings } from './application-options.js'
import type { ApplicationState } from './application-state.js'
import { LifecycleRunner, type InitOutcome } from './lifecycle-runner.js'
import { watchEventLoop } from './loop-monitor.js'
import { integrateProcess, type ProcessIntegrationOptions } from './process-integration.js'
import { ShutdownSummary } from './shutdown-summary.js'
import { Ticker } from './ticker.js'

/** What the state machine needs from the Application besides its public API. @internal */
export interface LifecycleWiring {
  readonly exitTimeoutMs: number
  readonly tickPeriodMs: number
  /** The handlers `run()` installs. */
  readonly process: ProcessIntegrationOptions
  /** A config error found at construction (a bad logging level): `start()` fails with it. */
  readonly configError: Error | undefined
  services(): readonly Service[]
  modules(): readonly Module[]
  /** The app's protected hooks. */
  initializeApp(): unknown
  main(): unknown
  finalizeApp(): unknown
  /** Whether `finalize()` was overridden. */
  appFinalizes(): boolean
}

/** The lifecycle of one Application. @internal */
export class ApplicationLifecycle {
  readonly #app: Application
  readonly #wiring: LifecycleWiring
  // Lifecycle records go through this view: a broken logger must never break the lifecycle.
  readonly #log: Logger
  readonly #runner: LifecycleRunner
  readonly #ticker: Ticker
  #state: ApplicationState = 'created'
  #exitCode = 0
  // Stop requests so far (stop() calls and signals alike): published with Application.stop!.
  #stopCount = 0
  // A stop() arrived during init-time: go to exit-time right after it.
  #stopRequested = false
  // The [Application] section, read (strictly) at init-time; the defaults until then.
  #settings = DEFAULT_APPLICATION_SETTINGS
  #startPromise: Promise<void> | undefined
  #exitPromise: Promise<void> | undefined
  readonly #stopped = deferred<number>()
  #removeProcessHandlers: (() => void) | undefined
  #stopWatchingLoop: (() => void) | undefined

  constructor(app: Application, wiring: LifecycleWiring) {
    this.#app = app
    this.#wiring = wiring
    this.#log = guardLogger(app.logger)
    const isRunning = (): boolean => this.#state === 'running'
    this.#runner = new LifecycleRunner({
      name: app.name,
      clock: app.clock,
      logger: this.#log,
      // Read when used: the TaskService is added after the lifecycle exists.
      get taskService() {
        return app.taskService
      },
      services: wiring.services,
      modules: wiring.modules,
      initializeApp: wiring.initializeApp,
      finalizeApp: wiring.finalizeApp,
      appFinalizes: wiring.appFinalizes,
      isRunning,
      stopRequested: () => this.#stopRequested,
      lateInitFailed: () => void this.stop(1),
    })
    const pending = (): Promise<void> | undefined => this.#runner.lateInit
    this.#ticker = new Ticker({ clock: app.clock, pubsub: app.pubsub, periodMs: wiring.tickPeriodMs, isRunning, pending })
  }

  get state(): ApplicationState {
    return this.#state
  }

  get exitCode(): number {
    return this.#exitCode
  }

  /** Throws `InvalidStateError` once exit-time began: nothing may be added then. */
  assertAccepting(what: 'service' | 'module'): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new InvalidStateError(`Cannot add a ${what} to application "${this.#app.name}" in state "${this.#state}"; expected "created", "initializing" or "running"`)
    }
  }

  /** A service or module was added: while running, it is initialized before the next tick. */
  added(item: Service | Module): void {
    if (this.#state === 'running') this.#runner.initializeLate(item)
  }

  start(): Promise<void> {
    if (this.#startPromise === undefined) {
      this.#startPromise = this.#start()
      // start() may be called and its promise dropped: the error is also logged and reflected in the exit code.
      this.#startPromise.catch(() => {})
    }
    return this.#startPromise
  }

  stop(exitCode?: number): Promise<number> {
    if (exitCode !== undefined) assertNumber('exitCode', exitCode, { min: 0, max: 255, integer: true })
    if (this.#state !== 'stopped') this.#raiseExitCode(exitCode ?? 0)
    this.#stopCount += 1
    this.#app.pubsub.publish(Messages.ApplicationStop, this.#stopCount)
    if (this.#state === 'initializing') {
      this.#stopRequested = true
      // A hanging initialize() must not make stop() hang: it gets the exit budget, then init is cut off.
      this.#runner.cutOffInitAfter(this.#wiring.exitTimeoutMs)
    } else if (this.#state === 'created' || this.#state === 'running') {
      void this.#exitTime()
    }
    return this.#stopped.promise
  }

  async run(): Promise<number> {
    if (this.#state !== 'stopped' && this.#removeProcessHandlers === undefined) {
      this.#removeProcessHandlers = integrateProcess(this.#app, this.#wiring.process)
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

  async #start(): Promise<void> {
    const app = this.#app
    if (this.#state !== 'created') {
      throw new InvalidStateError(`Cannot start application "${app.name}" in state "${this.#state}"; expected "created"`)
    }
    this.#state = 'initializing'
    try {
      if (this.#wiring.configError !== undefined) throw this.#wiring.configError
      this.#settings = readApplicationSettings(app.config)
    } catch (error) {
      this.#log.error({ err: error }, `Application "${app.name}" failed to start: ${(error as Error).message}`)
      return this.#failStart(error)
    }
    this.#stopWatchingLoop = watchEventLoop(app, this.#settings.blockedLoopWarningMs)
    app.pubsub.publish(Messages.ApplicationInit)
    let outcome: InitOutcome
    try {
      outcome = await this.#runner.initialize()
    } catch (error) {
      return this.#failStart(error)
    }
    if (outcome === 'cut-off') this.#raiseExitCode(1)
    if (outcome === 'cut-off' || this.#stopRequested) return this.#exitTime()
    this.#state = 'running'
    app.pubsub.publish(Messages.ApplicationRun)
    // A subscriber of Application.run! may have stopped the app: then no ticks and no main().
    if (this.#state !== 'running') return
    this.#ticker.start()
    this.#callMain()
  }

  async #failStart(error: unknown): Promise<never> {
    this.#raiseExitCode(1)
    await this.#exitTime()
    throw error
  }

  #callMain(): void {
    const failed = (error: unknown): void => {
      this.#log.error({ err: error }, `main() of application "${this.#app.name}" failed`)
      void this.stop(1)
    }
    try {
      const result = this.#wiring.main()
      if (isThenable(result)) Promise.resolve(result).then(undefined, failed)
    } catch (error) {
      failed(error)
    }
  }

  #raiseExitCode(code: number): void {
    if (code > this.#exitCode) this.#exitCode = code
  }

  #exitTime(): Promise<void> {
    return (this.#exitPromise ??= this.#runExitTime())
  }

  async #runExitTime(): Promise<void> {
    const started = this.#state !== 'created'
    this.#state = 'stopping'
    this.#ticker.stop()
    // Watches from the start of exit-time, so the tasks cancelled by Application.exit! subscribers are counted.
    const summary = started ? new ShutdownSummary(this.#app) : undefined
    if (started) this.#app.pubsub.publish(Messages.ApplicationExit)
    const report = await this.#runner.finalize(this.#wiring.exitTimeoutMs, this.#settings.finalizeTimeoutMs)
    // An incomplete shutdown (a finalize that failed or was abandoned, tasks left running) is never exit code 0.
    if (report.failed.length > 0 || report.abandoned.length > 0 || report.tasksLeft > 0) this.#raiseExitCode(1)
    summary?.write(report, this.#exitCode)
    this.#state = 'stopped'
    this.#stopWatchingLoop?.()
    this.#removeProcessHandlers?.()
    this.#stopped.resolve(this.#exitCode)
  }
}
