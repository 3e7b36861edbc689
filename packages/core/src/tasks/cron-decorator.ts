/**
 * The `@cron(pattern, options)` method decorator for Services and `registerDecoratedCrons()`, which the Application
 * calls once per service at init-time to register the decorated methods on `service.tasks`.
 *
 * The schedules themselves are the TaskManager's (`registerCron`); this file only records and registers them.
 */
import { DuplicateTaskError } from '../errors/errors.js'
import { assertNonEmptyString, expectedMessage } from '../internal/validate.js'
import { Service } from '../service/service.js'
import { checkCronOptions, firstFireTime, type CronOptions } from './cron-options.js'

/**
 * Options of the {@link cron} decorator: the {@link CronOptions} of `registerCron`, and the schedule's name.
 *
 * @example
 * ```ts
 * import type { CronDecoratorOptions } from '@tsab/core'
 * const options: CronDecoratorOptions = { name: 'nightly-report', timezone: 'Europe/Prague', overlap: 'wait' }
 * ```
 */
export interface CronDecoratorOptions extends CronOptions {
  /** The schedule's name in `service.tasks` (and of every run). @default `${ClassName}.${methodName}` */
  name?: string
}

/** One decorated method. */
interface CronEntry {
  readonly key: string | symbol
  readonly name: string
  readonly pattern: string
  readonly options: CronOptions
}

// Per decorated prototype, its own entries. `Symbol.for`: two copies of the package still read each other's.
const CRONS: unique symbol = Symbol.for('tsab.tasks.crons') as never
type Registry = { [CRONS]?: CronEntry[] }

// Services whose decorated methods were registered: registering is done once per service.
const registered = new WeakSet<object>()

/**
 * Runs a Service method on a cron schedule. The Application registers every decorated method on the service's
 * `tasks` (`tasks.registerCron(name, pattern, (signal) => this.method(signal), options)`) right after the service's
 * `initialize()` has resolved (whether or not it calls `super.initialize()`), so a job never runs against a
 * half-initialized service; `tasks` is shut down before the service's `finalize()`, so the schedule has stopped
 * and its running job has settled by then. Each run is a TaskService task named after the schedule (owner = the
 * service name).
 *
 * The name is `options.name`, else `${ClassName}.${methodName}` (the class that carries the decorator). A
 * subclass that decorates an overridden method replaces the base class's schedules for it; one method may carry
 * several `@cron` lines with distinct names. The pattern and options are checked here, at class definition.
 * Uses the legacy decorator signature (`experimentalDecorators`), like `@subscribe` and tsyringe.
 *
 * @param pattern - a cron pattern with 5 fields, or 6 with seconds first (see `TaskManager.registerCron`)
 * @throws `TypeError`/`RangeError` at class definition for a bad pattern, time zone or option, a duplicate name on
 *   one class, or when the decorated member is not a method of a Service
 * @example
 * ```ts
 * import { cron, Service } from '@tsab/core'
 * import { createTestApplication, TestClock } from '@tsab/core/testing'
 *
 * class Reports extends Service {
 *   sent = 0
 *   @cron('0 * * * *', { timezone: 'UTC' })
 *   async hourly(signal: AbortSignal) {
 *     signal.throwIfAborted()
 *     this.sent++
 *   }
 * }
 *
 * const clock = new TestClock({ wallTime: new Date('2030-01-01T00:00:00Z') })
 * const app = await createTestApplication({ clock })
 * const reports = app.addService(Reports)
 * await clock.advance(0) // the late service is initialized and its schedule registered
 * await clock.advance(3 * 3_600_000)
 * console.log(reports.sent, reports.tasks.nextRuns('Reports.hourly')[0]?.toISOString()) // 3 2030-01-01T04:00:00.000Z
 * await app.stop()
 * ```
 */
export function cron(pattern: string, options?: CronDecoratorOptions): MethodDecorator {
  // Checked at class definition; a pattern that can never fire (`0 0 30 2 *`) is caught here too.
  firstFireTime(checkCronOptions(pattern, options, ['name']), Date.now())
  const given = options ?? {}
  if (given.name !== undefined) assertNonEmptyString('options.name', given.name)
  const { name: ownName, ...cronOptions } = given
  return (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): void => {
    const member = `@cron(${JSON.stringify(pattern)}) target ${String(propertyKey)}`
    if (typeof descriptor?.value !== 'function') throw new TypeError(expectedMessage(member, 'a method', descriptor?.value))
    if (!(target instanceof Service)) {
      throw new TypeError(expectedMessage(member, 'an instance method of a Service subclass', target))
    }
    const name = ownName ?? `${target.constructor.name}.${String(propertyKey)}`
    const registry = target as Registry
    // An own list per class: pushing into an inherited list would leak subclass entries into the base class.
    let entries = Object.prototype.hasOwnProperty.call(registry, CRONS) ? registry[CRONS] : undefined
    if (entries === undefined) {
      entries = []
      Object.defineProperty(registry, CRONS, { value: entries, enumerable: false, configurable: true })
    }
    if (entries.some((entry) => entry.name === name)) {
      throw new TypeError(`Two @cron schedules of ${target.constructor.name} are named "${name}"; give each its own \`options.name\``)
    }
    entries.push({ key: propertyKey, name, pattern, options: cronOptions })
  }
}

/**
 * Every `@cron` schedule visible from `service`: the most derived class's entries for a method win over its base
 * classes' entries for the same method.
 */
function collectCrons(service: object): CronEntry[] {
  const result: CronEntry[] = []
  const decided = new Set<string | symbol>()
  for (let level: object | null = Object.getPrototypeOf(service); level !== null; level = Object.getPrototypeOf(level)) {
    if (!Object.prototype.hasOwnProperty.call(level, CRONS)) continue
    const own = (level as Registry)[CRONS] ?? []
    for (const entry of own) if (!decided.has(entry.key)) result.push(entry)
    for (const entry of own) decided.add(entry.key)
  }
  return result
}

/**
 * Registers the `@cron` methods of `service` on `service.tasks`. Called by the Application right after the service's
 * `initialize()`; does nothing for other objects, for a service without decorated methods, or the second time.
 * All or nothing: when a name is already active on `service.tasks`, it throws {@link DuplicateTaskError} and
 * registers none.
 * @internal
 */
export function registerDecoratedCrons(service: object): void {
  if (!(service instanceof Service) || registered.has(service)) return
  const entries = collectCrons(service)
  if (entries.length === 0) return
  const tasks = service.tasks
  const methods = entries.map((entry) => {
    const method = (service as unknown as Record<string | symbol, unknown>)[entry.key]
    if (typeof method !== 'function') throw new TypeError(expectedMessage(`${service.name}.${String(entry.key)}`, 'a method', method))
    if (tasks.isPendingTaskActive(entry.name)) throw new DuplicateTaskError(entry.name)
    return method as (signal: AbortSignal) => unknown
  })
  const done: string[] = []
  try {
    entries.forEach((entry, index) => {
      const method = methods[index]!
      tasks.registerCron(entry.name, entry.pattern, (signal: AbortSignal) => method.call(service, signal), entry.options)
      done.push(entry.name)
    })
  } catch (error) {
    // A pattern that has stopped firing by now (registerCron checks against the clock): take back the others.
    for (const name of done) tasks.cancelPendingTask(name, error)
    throw error
  }
  registered.add(service)
}
