/**
 * The error classes for misuse of services, tasks, state and caches.
 *
 * Cancellation and timeouts are in `cancellation.ts`; queue errors in `queue-errors.ts`.
 */
import { ErrorCodes } from './codes.js'
import { TsabError } from './tsab-error.js'

/**
 * `getService` was asked for a service that is not registered. The message lists the registered names.
 *
 * @example
 * ```ts
 * import { ServiceNotFoundError } from '@tsab/core'
 * try { app.getService('Mailer') } catch (e) { if (e instanceof ServiceNotFoundError) console.log(e.serviceName) }
 * ```
 */
export class ServiceNotFoundError extends TsabError {
  constructor(
    /** The key that was asked for, as text. */
    readonly serviceName: string,
    /** The names that are registered. */
    readonly registered: readonly string[],
  ) {
    super(
      ErrorCodes.ServiceNotFound,
      `Service "${serviceName}" is not registered; registered services: ${registered.length ? registered.join(', ') : '(none)'}`,
    )
  }
}

/**
 * A second service was added with a name already in use.
 *
 * @example
 * ```ts
 * import { DuplicateServiceError } from '@tsab/core'
 * try { app.addService(new Mailer(app, 'mail')); app.addService(new Mailer(app, 'mail')) }
 * catch (e) { if (e instanceof DuplicateServiceError) console.log(e.serviceName) } // 'mail'
 * ```
 */
export class DuplicateServiceError extends TsabError {
  constructor(
    /** The name that is already in use. */
    readonly serviceName: string,
  ) {
    super(ErrorCodes.DuplicateService, `A service named "${serviceName}" is already registered`)
  }
}

/**
 * `registerTask` was called with a name whose task is still active.
 *
 * @example
 * ```ts
 * import { DuplicateTaskError } from '@tsab/core'
 * manager.registerTask('sync', sync, { interval: 1000 })
 * try { manager.registerTask('sync', sync) } catch (e) { if (e instanceof DuplicateTaskError) console.log(e.taskName) }
 * ```
 */
export class DuplicateTaskError extends TsabError {
  constructor(
    /** The name of the task that is still active. */
    readonly taskName: string,
  ) {
    super(ErrorCodes.DuplicateTask, `Task "${taskName}" is already active; cancel it first or use replaceTask()`)
  }
}

/**
 * An operation does not fit the current state of its object (a `Future` resolved twice, a lock released while unlocked…).
 *
 * @example
 * ```ts
 * import { Future, InvalidStateError } from '@tsab/core'
 * const f = new Future<number>()
 * try { f.result() } catch (e) { console.log(e instanceof InvalidStateError) } // true: not done yet
 * ```
 */
export class InvalidStateError extends TsabError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCodes.InvalidState, message, options)
  }
}

/**
 * `RequestCache.pop` was asked for a `prefix:number` that is not stored.
 *
 * @example
 * ```ts
 * import { CacheNotFoundError } from '@tsab/core'
 * try { requestCache.pop('ping', 42) } catch (e) { if (e instanceof CacheNotFoundError) console.log(e.message) }
 * ```
 */
export class CacheNotFoundError extends TsabError {
  constructor(
    /** The cache prefix. */
    readonly prefix: string,
    /** The cache number. */
    readonly number: number,
  ) {
    super(ErrorCodes.CacheNotFound, `No cache is stored under ${prefix}:${number}`)
  }
}

/**
 * Work was refused because a limit was reached: `schedule()`/`spawn()` while `[TaskService] max_queued` tasks are
 * queued, `WorkerPoolService.run()` beyond `[workers] max_queue`. Nothing was enqueued; shed the load (the web layer
 * answers 503 with `retry-after`) or try again later.
 *
 * @example
 * ```ts
 * import { OverloadedError } from '@tsab/core'
 * try {
 *   app.taskService.spawn(async () => 'work')
 * } catch (error) {
 *   if (error instanceof OverloadedError) console.log('busy, try later:', error.limit)
 * }
 * ```
 */
export class OverloadedError extends TsabError {
  constructor(
    message: string,
    /** The limit that was reached (e.g. the value of `max_queued`), when there is one. */
    readonly limit?: number,
    options?: ErrorOptions,
  ) {
    super(ErrorCodes.Overloaded, message, options)
  }
}
