/**
 * `Service`: the unit of an application's functionality, with a name, a child logger and its own TaskManager.
 *
 * Registration, construction (plain or through DI) and the lifecycle order are the Application's.
 */
import type { Application } from '../application/application.js'
import { assertNonEmptyString, expectedMessage } from '../internal/validate.js'
import type { Logger } from '../logging/logger.js'
import { TaskManager } from '../tasks/task-manager.js'

let readCreatedTasks: (service: Service) => TaskManager | undefined

/**
 * The TaskManager of `service` if it was ever used (`service.tasks`), else `undefined`: the Application shuts it
 * down right before the service's `finalize()`. Not part of the public surface (not exported from the package).
 * @internal
 */
export function createdTasksOf(service: Service): TaskManager | undefined {
  return readCreatedTasks(service)
}

/**
 * A service class as `addService()` accepts it. It is either decorated for dependency injection (resolved through
 * `app.container`) or constructed as `new Cls(app)`.
 *
 * @example
 * ```ts
 * import type { Service, ServiceClass } from '@tsab/core'
 * function register<S extends Service>(Cls: ServiceClass<S>) { return app.addService(Cls) }
 * ```
 */
export type ServiceClass<S extends Service = Service> = (abstract new (...args: any[]) => S) & {
  /** Default name of the service (else the class name). */
  readonly serviceName?: string
}

/**
 * Base class of every service. Subclass it, override `initialize()`/`finalize()`, and add it with
 * `app.addService(MyService)`. Services are initialized in registration order and finalized in exact reverse
 * order; right before a service's `finalize()`, its `tasks` manager is shut down.
 *
 * The name is the constructor's `name` argument, else the class's static `serviceName`, else the class name.
 *
 * @example
 * ```ts
 * import { Application, Service } from '@tsab/core'
 * class Greeter extends Service {
 *   override initialize() { this.logger.info('ready') }
 *   greet(who: string) { return `hello ${who}` }
 * }
 * const app = new Application()
 * const greeter = app.addService(Greeter)
 * console.log(greeter.name, greeter.greet('world')) // Greeter hello world
 * ```
 */
export abstract class Service {
  /** The application this service belongs to. */
  readonly app: Application
  /** Unique within the application. */
  readonly name: string
  /** `app.logger.child({ service: name })`. */
  readonly logger: Logger
  // Created on first use: most services never schedule named tasks.
  #tasks: TaskManager | undefined

  static {
    readCreatedTasks = (service) => service.#tasks
  }

  constructor(app: Application, name?: string) {
    if (app === null || typeof app !== 'object' || typeof (app as { addService?: unknown }).addService !== 'function') {
      throw new TypeError(expectedMessage('app', 'an Application', app))
    }
    const ctor = new.target as ServiceClass
    const resolved = name ?? ctor.serviceName ?? ctor.name
    assertNonEmptyString('name', resolved)
    this.app = app
    this.name = resolved
    this.logger = app.logger.child({ service: resolved })
  }

  /**
   * Named, delayed and periodic tasks of this service (IPv8's TaskManager), run through `app.taskService`
   * with `owner` = the service name. Shut down right before `finalize()`.
   */
  get tasks(): TaskManager {
    return (this.#tasks ??= new TaskManager({
      name: this.name,
      taskService: this.app.taskService,
      logger: this.logger,
      clock: this.app.clock,
    }))
  }

  /** Called once at init-time, in registration order; may await I/O. A throw aborts the application's start. */
  initialize(): void | Promise<void> {}

  /**
   * Called once at the end of init-time, in registration order, after every module and service and the application's
   * own `initialize()` completed (for a service added while running: right after its `initialize()`). Start serving
   * here what needs everything else to be ready: a web server binds its port once every service added its routes.
   * A throw aborts the start like a failing `initialize()` (the service is still finalized).
   *
   * @example
   * ```ts
   * import { Service } from '@tsab/core'
   * class Listener extends Service {
   *   override async afterInitialize() {
   *     this.logger.info('every service is initialized; accepting work now')
   *   }
   * }
   * ```
   */
  afterInitialize(): void | Promise<void> {}

  /**
   * Called once at the start of exit-time, for every service in reverse registration order, **before any service
   * (and the application's own `finalize()`) is finalized**: stop taking new work and let the work in flight finish
   * (a web server stops accepting and drains its requests; a queue consumer stops fetching jobs). Everything else
   * is still available here. Bounded by the same per-service deadline as `finalize()`.
   *
   * @example
   * ```ts
   * import { Service } from '@tsab/core'
   * class Consumer extends Service {
   *   #accepting = true
   *   override beforeFinalize() { this.#accepting = false }
   * }
   * ```
   */
  beforeFinalize(): void | Promise<void> {}

  /**
   * Called once at exit-time, in reverse registration order, after this service's tasks were shut down.
   * `signal` aborts (with a `TimeoutError`) when the service's share of the exit budget is spent: a finalize that
   * waits for something should stop waiting then, release what it holds and return.
   *
   * @example
   * ```ts
   * import { Service, sleep } from '@tsab/core'
   * class Flusher extends Service {
   *   override async finalize(signal: AbortSignal) {
   *     await sleep(100, { signal }).catch(() => this.logger.warn('flush cut short'))
   *   }
   * }
   * ```
   */
  finalize(_signal?: AbortSignal): void | Promise<void> {}
}
