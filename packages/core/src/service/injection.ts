/**
 * The dependency-injection decorators and container type of tsyringe, as `@tsab/core` exports them: the very same
 * functions (`injectable === tsyringe.injectable`), declared here so that they carry tsab's documentation and
 * examples. How the Application builds services with them is in service-registry.ts.
 */
import 'reflect-metadata' // tsyringe throws on import without it; whoever imports this file first loads it first
import {
  inject as tsyringeInject,
  injectable as tsyringeInjectable,
  singleton as tsyringeSingleton,
  type DependencyContainer as TsyringeDependencyContainer,
  type InjectionToken,
} from 'tsyringe'

/**
 * Class decorator (tsyringe's `injectable`): a Service class marked with it is built by the app's container, which
 * passes each constructor parameter by its type: `Application` (or your subclass), `Config`, `PubSub`,
 * `TaskService`, a service added before this one. The types come from the decorator metadata that `tsc` emits with
 * `emitDecoratorMetadata` (and swc, and vitest 4); under esbuild or `tsx`, which emit none, put {@link inject} on
 * every parameter. Without the decorator, `addService(Cls)` builds `new Cls(app)`.
 *
 * @example
 * ```ts
 * import { Application, Config, Service, createLogger, injectable } from '@tsab/core'
 *
 * class Database extends Service {
 *   query(sql: string) { return `rows for ${sql}` }
 * }
 *
 * @injectable()
 * class Reports extends Service {
 *   constructor(app: Application, private readonly db: Database, private readonly config: Config) {
 *     super(app)
 *   }
 *   daily() { return this.db.query(`select * from ${this.config.getString('reports', 'table')}`) }
 * }
 *
 * const app = new Application({ config: { reports: { table: 'sales' } }, logger: createLogger({ level: 'silent' }) })
 * app.addService(Database)
 * console.log(app.addService(Reports).daily()) // rows for select * from sales
 * ```
 */
export const injectable: <T>(options?: { token?: InjectionToken<T> | InjectionToken<T>[] }) => (target: new (...args: any[]) => T) => void =
  tsyringeInjectable

/**
 * Parameter decorator (tsyringe's `inject`): the container passes what is registered under `token` instead of
 * looking at the parameter's type. Needed for a parameter whose type is an interface or a type alias (the app's
 * logger under `LOGGER`), and for every parameter when the build emits no decorator metadata (esbuild, `tsx`).
 * `options.isOptional` passes `undefined` when nothing is registered under the token.
 *
 * @example
 * ```ts
 * import { Application, Config, LOGGER, Service, inject, injectable, type Logger } from '@tsab/core'
 *
 * @injectable()
 * class Audit extends Service {
 *   // Every parameter has its token: this also works without decorator metadata (esbuild, tsx).
 *   constructor(
 *     @inject(Application) app: Application,
 *     @inject(Config) private readonly config: Config,
 *     @inject(LOGGER) private readonly rootLogger: Logger,
 *   ) {
 *     super(app)
 *   }
 * }
 * ```
 */
export const inject: (
  token: InjectionToken<any>,
  options?: { isOptional?: boolean },
) => (target: any, propertyKey: string | symbol | undefined, parameterIndex: number) => any = tsyringeInject

/**
 * Class decorator (tsyringe's `singleton`): like {@link injectable}, and tsyringe keeps one instance per container.
 * A Service added with `app.addService()` is still one instance per application (each app resolves it in a
 * container of its own), never one per process.
 *
 * @example
 * ```ts
 * import { Application, Service, createLogger, singleton } from '@tsab/core'
 *
 * @singleton()
 * class Clock extends Service {
 *   constructor(app: Application) { super(app) }
 * }
 *
 * const first = new Application({ logger: createLogger({ level: 'silent' }) })
 * const second = new Application({ logger: createLogger({ level: 'silent' }) })
 * console.log(first.addService(Clock) === second.addService(Clock)) // false
 * ```
 */
export const singleton: <T>() => (target: new (...args: any[]) => T) => void = tsyringeSingleton

/**
 * tsyringe's container type: the type of `app.container`, the app's own child container, where the app, its
 * `Config`, `PubSub`, `LOGGER` and every service are registered. Pass your own parent with
 * `new Application({ container })`.
 *
 * @example
 * ```ts
 * import { Application, Config, createLogger, type DependencyContainer } from '@tsab/core'
 *
 * const app = new Application({ logger: createLogger({ level: 'silent' }) })
 * const container: DependencyContainer = app.container
 * console.log(container.resolve(Config) === app.config) // true
 * ```
 */
export type DependencyContainer = TsyringeDependencyContainer
