/**
 * `Module`: a bundle that adds services and configuration defaults to an application (ASAB's Module).
 *
 * Modules are initialized before services and finalized after them; the ordering is the Application's.
 */
import type { Application } from '../application/application.js'
import { expectedMessage } from '../internal/validate.js'

/**
 * A module class as `addModule()` accepts it.
 *
 * @example
 * ```ts
 * import type { Module, ModuleClass } from '@tsab/core'
 * const modules: ModuleClass<Module>[] = []
 * ```
 */
export type ModuleClass<M extends Module = Module> = new (app: Application) => M

/**
 * Base class of modules: typically registers services and config defaults in its constructor.
 * `app.addModule(M)` is idempotent per class. Modules are initialized in add order before the services,
 * and finalized in reverse order after them.
 *
 * @example
 * ```ts
 * import { Application, Module, Service } from '@tsab/core'
 * class MailService extends Service {}
 * class MailModule extends Module {
 *   constructor(app: Application) {
 *     super(app)
 *     app.config.addDefaults('mail', { host: '127.0.0.1', port: 25 })
 *     app.addService(MailService)
 *   }
 * }
 * const app = new Application()
 * app.addModule(MailModule)
 * console.log(app.hasService('MailService')) // true
 * ```
 */
export abstract class Module {
  /** The application this module belongs to. */
  readonly app: Application

  constructor(app: Application) {
    if (app === null || typeof app !== 'object' || typeof (app as { addService?: unknown }).addService !== 'function') {
      throw new TypeError(expectedMessage('app', 'an Application', app))
    }
    this.app = app
  }

  /** Called at init-time, before the services. */
  initialize(): void | Promise<void> {}

  /**
   * Called at exit-time, after the services, in reverse add order. Like a service's, it has its own deadline
   * (`[Application] finalize_timeout`, within its share of the exit budget): `signal` aborts with a `TimeoutError`
   * when its time is up, and a finalize still running a little later is abandoned.
   */
  finalize(_signal?: AbortSignal): void | Promise<void> {}
}
