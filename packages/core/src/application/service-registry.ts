/**
 * The Application's record of its services and modules: registration order, lookup by name or class, and
 * construction (through the DI container when the class is decorated for it, else `new Cls(app)`).
 * When services are initialized or finalized is decided by the lifecycle runner.
 */
import 'reflect-metadata'
import type { DependencyContainer } from 'tsyringe'
import { DuplicateServiceError, ServiceNotFoundError } from '../errors/errors.js'
import { expectedMessage } from '../internal/validate.js'
import type { Module, ModuleClass } from '../service/module.js'
import { Service, type ServiceClass } from '../service/service.js'

// tsyringe keeps the tokens given with @inject() under this metadata key.
const INJECTION_TOKENS_KEY = 'injectionTokens'

/** True when tsyringe has what it needs to construct `Cls`: emitted parameter types or @inject tokens. */
function declaresInjectableParameters(Cls: object): boolean {
  const paramTypes: unknown = Reflect.getMetadata('design:paramtypes', Cls)
  if (Array.isArray(paramTypes) && paramTypes.length > 0) return true
  const tokens: unknown = Reflect.getOwnMetadata(INJECTION_TOKENS_KEY, Cls)
  return typeof tokens === 'object' && tokens !== null && Object.keys(tokens).length > 0
}

// Only tsyringe's refusal to build `Cls` itself; a dependency that cannot be built is a real error (wrapped by tsyringe).
function isTypeInfoMissing(error: unknown, Cls: { name: string }): boolean {
  return error instanceof Error && error.message === `TypeInfo not known for "${Cls.name}"`
}

/**
 * Resolves `Cls` through a throwaway child of `container`, as a fresh instance: a `@singleton()` class is registered
 * in tsyringe's root container, and resolving it there would hand one app's instance to every other app.
 * `length` is raised for the call because tsyringe builds a class it has no type info for as `new Cls()` (no app)
 * when its constructor declares no parameters, as an undecorated subclass of a decorated service does.
 */
function resolveFresh<S>(container: DependencyContainer, Cls: new (...args: unknown[]) => S): S {
  const scope = container.createChildContainer()
  scope.register(Cls, { useClass: Cls })
  const length = Object.getOwnPropertyDescriptor(Cls, 'length')
  const raise = Cls.length === 0 && length?.configurable === true
  if (raise) Object.defineProperty(Cls, 'length', { ...length, value: 1 })
  try {
    return scope.resolve(Cls)
  } finally {
    if (raise) Object.defineProperty(Cls, 'length', length)
  }
}

/** Services in registration order, with lookup by name and by class; modules by class, in add order. @internal */
export class ServiceRegistry {
  // Registration order: the init order, reversed for finalize.
  readonly #ordered: Service[] = []
  readonly #byName = new Map<string, Service>()
  readonly #modules = new Map<ModuleClass, Module>()

  get ordered(): readonly Service[] {
    return this.#ordered
  }

  /** The modules in add order. */
  modules(): Module[] {
    return [...this.#modules.values()]
  }

  /**
   * Constructs (see {@link ServiceRegistry.construct}) and registers a service, in this registry and in
   * `container` under its class and its name. Throws, registering nothing, for a bad argument or a name in use.
   */
  register<S extends Service>(app: object, container: DependencyContainer, service: ServiceClass<S> | S): S {
    const instance = this.construct(app, container, service)
    this.add(instance)
    container.registerInstance(instance.constructor as new () => S, instance)
    container.registerInstance(instance.name, instance)
    return instance
  }

  /** The module of class `module`, if one was added. */
  findModule<M extends Module>(module: ModuleClass<M>): M | undefined {
    if (typeof module !== 'function') throw new TypeError(expectedMessage('module', 'a Module class', module))
    return this.#modules.get(module) as M | undefined
  }

  /** Constructs `new module(app)` and keeps it. */
  addModule<M extends Module>(app: unknown, module: ModuleClass<M>): M {
    const instance = new module(app as never)
    this.#modules.set(module, instance)
    return instance
  }

  names(): string[] {
    return this.#ordered.map((service) => service.name)
  }

  /**
   * Makes the instance for `addService(service)`: an instance is taken as is, a class is resolved through the
   * container when decorated for injection, else constructed as `new Cls(app)`.
   */
  construct<S extends Service>(app: object, container: DependencyContainer, service: ServiceClass<S> | S): S {
    if (service instanceof Service) {
      if (service.app !== app) throw new TypeError(`Expected \`service\` to belong to this application; "${service.name}" was constructed for another one`)
      return service
    }
    if (typeof service !== 'function' || !(service.prototype instanceof Service)) {
      throw new TypeError(expectedMessage('service', 'a Service subclass or instance', service))
    }
    const Cls = service as unknown as new (...args: unknown[]) => S
    if (declaresInjectableParameters(Cls)) {
      try {
        return resolveFresh(container, Cls)
      } catch (error) {
        // Not decorated with tsyringe's @injectable (only inherited or foreign metadata): the plain constructor.
        if (!isTypeInfoMissing(error, Cls)) throw error
      }
    }
    return new Cls(app)
  }

  /** Registers a constructed service; throws `DuplicateServiceError` (nothing registered) for a name in use. */
  add(service: Service): void {
    if (this.#byName.has(service.name)) throw new DuplicateServiceError(service.name)
    this.#byName.set(service.name, service)
    this.#ordered.push(service)
  }

  find(key: unknown): Service | undefined {
    if (typeof key === 'string') return this.#byName.get(key)
    if (typeof key === 'function') {
      const byClassName = this.#byName.get((key as { serviceName?: string }).serviceName ?? key.name)
      if (byClassName instanceof (key as abstract new () => unknown)) return byClassName
      return this.#ordered.find((service) => service.constructor === key) ?? this.#ordered.find((service) => service instanceof (key as abstract new () => unknown))
    }
    return undefined
  }

  get(key: unknown): Service {
    if (typeof key !== 'string' && typeof key !== 'function') {
      throw new TypeError(expectedMessage('key', 'a service name or class', key))
    }
    const service = this.find(key)
    if (service === undefined) throw new ServiceNotFoundError(typeof key === 'string' ? key : key.name, this.names())
    return service
  }
}
