/**
 * Service (spec §3): names, child logger, `tasks`, construction through `addService` (plain `new Cls(app)` or
 * constructor injection), registration under class and name, DuplicateServiceError, getService/hasService.
 */
import { describe, expect, it } from 'vitest'
import { Application } from '../../src/application/application.js'
import { Config } from '../../src/config/config.js'
import { DuplicateServiceError, ServiceNotFoundError } from '../../src/errors/errors.js'
import { ErrorCodes } from '../../src/errors/codes.js'
import { inject, injectable, singleton, LOGGER, PubSub, type Logger } from '../../src/index.js'
import { Service, createdTasksOf } from '../../src/service/service.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import { TaskService } from '../../src/tasks/task-service.js'
import { testOptions } from '../support/app.js'
import { turns } from '../support/event-loop.js'
import { memoryLogger } from '../support/logs.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

const newApp = () => new Application(testOptions())

describe('names', () => {
  class Plain extends Service {}
  class Named extends Service {
    static readonly serviceName = 'named-by-static'
  }

  it('uses the constructor argument, then static serviceName, then the class name', () => {
    const app = newApp()
    expect(new Plain(app).name).toBe('Plain')
    expect(new Named(app).name).toBe('named-by-static')
    expect(new Named(app, 'from-arg').name).toBe('from-arg')
    expect(new Plain(app, 'from-arg').name).toBe('from-arg')
  })

  it('rejects an empty name and a missing app', () => {
    const app = newApp()
    expect(() => new Plain(app, '')).toThrow(RangeError)
    expect(() => new Plain(app, '')).toThrow(/`name`/)
    expect(() => new Plain(undefined as never)).toThrow(TypeError)
    expect(() => new Plain({} as never)).toThrow(/`app`/)
  })

  it('keeps app and name as given', () => {
    const app = newApp()
    const service = new Plain(app, 'x')
    expect(service.app).toBe(app)
    expect(service.name).toBe('x')
  })
})

describe('logger', () => {
  it('is a child of app.logger with `service: name`', () => {
    const { logger, lines } = memoryLogger()
    const app = new Application({ logger, handleSignals: false })
    class Mailer extends Service {}
    const mailer = new Mailer(app, 'mail')
    mailer.logger.info({ to: 'a@b' }, 'sent')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ service: 'mail', to: 'a@b', msg: 'sent' })
  })
})

describe('tasks', () => {
  it('is a TaskManager named after the service, created on first use, running through app.taskService', async () => {
    const options = testOptions()
    const app = new Application(options)
    class Poller extends Service {}
    const poller = app.addService(Poller)
    expect(createdTasksOf(poller)).toBeUndefined()
    const tasks = poller.tasks
    expect(tasks).toBeInstanceOf(TaskManager)
    expect(poller.tasks).toBe(tasks)
    expect(createdTasksOf(poller)).toBe(tasks)
    expect('createdTasks' in poller).toBe(false)
    expect(tasks.name).toBe('Poller')
    await app.start()
    let release!: () => void
    const handle = tasks.registerTask('poll-once', () => new Promise<string>((resolve) => (release = () => resolve('done'))))
    await turns(5)
    expect(app.taskService.list()).toMatchObject([{ name: 'poll-once', owner: 'Poller', state: 'running' }])
    release()
    await expect(handle.result).resolves.toBe('done')
    tasks.registerTask('beat', () => undefined, { interval: 1_000 })
    await options.clock.advance(3_000)
    await app.stop()
    expect(tasks.isShutdown).toBe(true)
    expect(options.clock.pending).toBe(0)
  })
})

describe('addService(Cls) without decorators', () => {
  it('constructs the service as new Cls(app) and registers it under its class and name', () => {
    const app = newApp()
    const seen: unknown[][] = []
    class Cache extends Service {
      constructor(...args: [Application]) {
        super(...args)
        seen.push(args)
      }
    }
    const cache = app.addService(Cache)
    expect(seen).toEqual([[app]])
    expect(cache).toBeInstanceOf(Cache)
    expect(app.container.resolve(Cache)).toBe(cache)
    expect(app.container.resolve('Cache')).toBe(cache)
    expect(app.getService(Cache)).toBe(cache)
    expect(app.getService('Cache')).toBe(cache)
  })

  it('takes an instance as is and registers it under its class and name', () => {
    const app = newApp()
    class Store extends Service {}
    const store = new Store(app, 'primary-store')
    expect(app.addService(store)).toBe(store)
    expect(app.getService('primary-store')).toBe(store)
    expect(app.container.resolve(Store)).toBe(store)
  })

  it('rejects an instance built for another app and anything that is not a Service', () => {
    const app = newApp()
    const other = newApp()
    class Store extends Service {}
    expect(() => app.addService(new Store(other))).toThrow(TypeError)
    expect(() => app.addService(class NotAService {} as never)).toThrow(/`service`/)
    expect(() => app.addService(42 as never)).toThrow(TypeError)
    expect(() => app.addService({} as never)).toThrow(TypeError)
    expect(app.hasService(Store)).toBe(false)
  })

  it('builds an undecorated subclass of a decorated service as new Cls(app)', () => {
    const app = newApp()
    @injectable()
    class Base extends Service {
      constructor(app: Application, @inject(LOGGER) readonly root: Logger) {
        super(app)
      }
    }
    class Child extends Base {}
    const child = app.addService(Child)
    expect(child).toBeInstanceOf(Child)
    expect(child.app).toBe(app)
    expect(child.root).toBeUndefined()
  })
})

describe('addService(Cls) with constructor injection', () => {
  it('the build emits design:paramtypes (canary for emitDecoratorMetadata)', () => {
    @injectable()
    class Canary extends Service {
      constructor(app: Application, readonly config: Config) {
        super(app)
      }
    }
    expect(Reflect.getMetadata('design:paramtypes', Canary)?.[0]).toBe(Application)
    expect(Reflect.getMetadata('design:paramtypes', Canary)?.[1]).toBe(Config)
  })

  it('injects by type and by @inject(token) through app.container', () => {
    class HelperService extends Service {}
    @injectable()
    class Reporter extends Service {
      constructor(
        app: Application,
        readonly pubsub: PubSub,
        readonly config: Config,
        readonly taskService: TaskService,
        readonly helper: HelperService,
        @inject(LOGGER) readonly rootLogger: Logger,
        @inject('greeting') readonly greeting: string,
      ) {
        super(app)
      }
    }
    const app = newApp()
    const helper = app.addService(HelperService)
    app.container.register('greeting', { useValue: 'hi' })
    const reporter = app.addService(Reporter)
    expect(reporter.app).toBe(app)
    expect(reporter.pubsub).toBe(app.pubsub)
    expect(reporter.config).toBe(app.config)
    expect(reporter.taskService).toBe(app.taskService)
    expect(reporter.helper).toBe(helper)
    expect(reporter.rootLogger).toBe(app.logger)
    expect(reporter.greeting).toBe('hi')
    expect(app.getService(Reporter)).toBe(reporter)
    expect(app.container.resolve(Reporter)).toBe(reporter)
  })

  it('injects the app subclass by its own type', () => {
    class ShopApp extends Application {
      readonly currency = 'EUR'
    }
    @injectable()
    class Prices extends Service {
      constructor(readonly shop: ShopApp) {
        super(shop)
      }
    }
    const app = new ShopApp(testOptions())
    expect(app.addService(Prices).shop.currency).toBe('EUR')
  })

  it('works when the decorators are called as plain functions', () => {
    class Audit extends Service {
      constructor(
        app: Application,
        readonly rootLogger: Logger,
      ) {
        super(app)
      }
    }
    inject(Application)(Audit, undefined, 0)
    inject(LOGGER)(Audit, undefined, 1)
    injectable()(Audit)
    const app = newApp()
    const audit = app.addService(Audit)
    expect(audit.app).toBe(app)
    expect(audit.rootLogger).toBe(app.logger)
  })

  it('works with plain-function decoration and explicit paramtypes metadata', () => {
    class Meter extends Service {
      constructor(
        app: Application,
        readonly pubsub: PubSub,
      ) {
        super(app)
      }
    }
    Reflect.defineMetadata('design:paramtypes', [Application, PubSub], Meter)
    injectable()(Meter)
    const app = newApp()
    expect(app.addService(Meter).pubsub).toBe(app.pubsub)
  })

  it('gives each app its own instance of a @singleton() service', () => {
    @singleton()
    class Registry extends Service {
      constructor(app: Application) {
        super(app)
      }
    }
    const a = newApp()
    const b = newApp()
    const ra = a.addService(Registry)
    const rb = b.addService(Registry)
    expect(ra).not.toBe(rb)
    expect(ra.app).toBe(a)
    expect(rb.app).toBe(b)
  })

  it('reports a dependency that cannot be built instead of silently constructing without it', () => {
    class Database {
      constructor(readonly url: string) {}
    }
    @injectable()
    class Repo extends Service {
      constructor(
        app: Application,
        readonly db: Database,
      ) {
        super(app)
      }
    }
    const app = newApp()
    expect(() => app.addService(Repo)).toThrow(/Database/)
    expect(app.hasService(Repo)).toBe(false)
  })
})

describe('registration', () => {
  class Mailer extends Service {}

  it('constructing a Service does not register it', () => {
    const app = newApp()
    const mailer = new Mailer(app)
    expect(app.hasService(Mailer)).toBe(false)
    expect(app.hasService('Mailer')).toBe(false)
    expect(app.container.isRegistered(Mailer)).toBe(false)
    expect(() => app.getService(Mailer)).toThrow(ServiceNotFoundError)
    expect(mailer.name).toBe('Mailer')
  })

  it('a second service with a name in use throws DuplicateServiceError and registers nothing', () => {
    const app = newApp()
    const first = app.addService(Mailer)
    class OtherMailer extends Service {}
    const clash = new OtherMailer(app, 'Mailer')
    let error: unknown
    try {
      app.addService(clash)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DuplicateServiceError)
    expect((error as DuplicateServiceError).code).toBe(ErrorCodes.DuplicateService)
    expect((error as DuplicateServiceError).serviceName).toBe('Mailer')
    expect((error as Error).message).toContain('"Mailer"')
    expect(() => app.addService(Mailer)).toThrow(DuplicateServiceError)
    expect(app.getService('Mailer')).toBe(first)
    expect(app.hasService(OtherMailer)).toBe(false)
    expect(app.container.isRegistered(OtherMailer)).toBe(false)
    expect(app.container.resolve('Mailer')).toBe(first)
  })

  it('a constructor that throws registers nothing', () => {
    const app = newApp()
    class Broken extends Service {
      constructor(app: Application) {
        super(app)
        throw new Error('ctor')
      }
    }
    expect(() => app.addService(Broken)).toThrow('ctor')
    expect(app.hasService('Broken')).toBe(false)
    expect(app.container.isRegistered('Broken')).toBe(false)
  })

  it('the same class may be added twice under different names', () => {
    const app = newApp()
    const a = app.addService(new Mailer(app, 'mail-a'))
    const b = app.addService(new Mailer(app, 'mail-b'))
    expect(app.getService('mail-a')).toBe(a)
    expect(app.getService('mail-b')).toBe(b)
    expect(app.getService(Mailer)).toBe(a)
  })
})

describe('getService / hasService', () => {
  class Mailer extends Service {}
  class SmtpMailer extends Mailer {}
  class Unused extends Service {}

  it('finds a service by name and by class (also by a base class)', () => {
    const app = newApp()
    const smtp = app.addService(SmtpMailer)
    expect(app.getService('SmtpMailer')).toBe(smtp)
    expect(app.getService(SmtpMailer)).toBe(smtp)
    expect(app.getService(Mailer)).toBe(smtp)
    expect(app.hasService(Mailer)).toBe(true)
    expect(app.hasService('SmtpMailer')).toBe(true)
  })

  it('throws ServiceNotFoundError listing the registered names', () => {
    const app = newApp()
    app.addService(Mailer)
    for (const key of ['Nope', Unused] as const) {
      let error: unknown
      try {
        app.getService(key)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(ServiceNotFoundError)
      expect((error as ServiceNotFoundError).code).toBe(ErrorCodes.ServiceNotFound)
      expect((error as Error).message).toContain(typeof key === 'string' ? 'Nope' : 'Unused')
      expect((error as Error).message).toContain('TaskService, Mailer')
      expect((error as ServiceNotFoundError).registered).toEqual(['TaskService', 'Mailer'])
    }
    expect(app.hasService('Nope')).toBe(false)
    expect(app.hasService(Unused)).toBe(false)
  })

  it('rejects a key that is neither a name nor a class', () => {
    const app = newApp()
    expect(() => app.getService(42 as never)).toThrow(TypeError)
    expect(() => app.getService(null as never)).toThrow(/`key`/)
    expect(() => app.hasService(42 as never)).toThrow(TypeError)
    expect(() => app.hasService({} as never)).toThrow(/`key`/)
  })
})
