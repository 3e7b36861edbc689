/**
 * Contract §3 (Service, Module, Config, logging) through `@tsab/core`: naming, construction through the
 * container or `new Cls(app)`, registration, module idempotence, and the Config getters and layers.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  Application,
  Config,
  LOGGER,
  Module,
  PubSub,
  Service,
  TaskManager,
  createLogger,
  inject,
  injectable,
  singleton,
  type Logger,
} from '@tsab/core'
import { TestClock } from '@tsab/core/testing'
import { memoryLogger } from '../support/logs.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

const apps: Application[] = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop()
})

function newApp(extra: ConstructorParameters<typeof Application>[0] = {}): Application {
  const app = new Application({ logger: createLogger({ level: 'silent' }), clock: new TestClock(), handleSignals: false, ...extra })
  apps.push(app)
  return app
}

describe('§3 Service', () => {
  it('name is the constructor argument, else static serviceName, else the class name', () => {
    const app = newApp()
    class Plain extends Service {}
    class Named extends Service {
      static readonly serviceName = 'named-by-static'
    }
    expect(new Plain(app).name).toBe('Plain')
    expect(new Named(app).name).toBe('named-by-static')
    expect(new Named(app, 'explicit').name).toBe('explicit')
  })

  it('logger is app.logger.child({ service: name })', () => {
    const { logger, lines } = memoryLogger()
    const app = newApp({ logger })
    class Mailer extends Service {}
    app.addService(Mailer).logger.info('hello')
    expect(lines.at(-1)).toMatchObject({ service: 'Mailer', msg: 'hello' })
  })

  it('tasks is a TaskManager named after the service that runs through app.taskService (owner = name)', async () => {
    const app = newApp()
    class Worker extends Service {}
    const worker = app.addService(Worker)
    await app.start()
    expect(worker.tasks).toBeInstanceOf(TaskManager)
    expect(worker.tasks).toBe(worker.tasks)
    const handle = worker.tasks.registerTask('job', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))))
    await new Promise((resolve) => setImmediate(resolve))
    expect(app.taskService.list()).toEqual([expect.objectContaining({ name: 'job', owner: 'Worker' })])
    expect(handle.owner).toBe('Worker')
  })

  it('the tasks of a service are shut down right before its finalize()', async () => {
    const app = newApp()
    let stateAtFinalize: string | undefined
    let shutdownAtFinalize: boolean | undefined
    class Worker extends Service {
      handle = this.tasks.registerTask('forever', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))))
      override finalize() {
        stateAtFinalize = this.handle.state
        shutdownAtFinalize = this.tasks.isShutdown
      }
    }
    app.addService(Worker)
    await app.start()
    await app.stop()
    expect(stateAtFinalize).toBe('cancelled')
    expect(shutdownAtFinalize).toBe(true)
  })

  it('an undecorated class is constructed as new Cls(app) and registered under the class and its name', () => {
    const app = newApp()
    class Store extends Service {
      readonly args: unknown[]
      constructor(...args: [Application]) {
        super(...args)
        this.args = args
      }
    }
    const store = app.addService(Store)
    expect(store.args).toEqual([app])
    expect(app.getService(Store)).toBe(store)
    expect(app.getService('Store')).toBe(store)
    expect(app.hasService(Store)).toBe(true)
    expect(app.hasService('Store')).toBe(true)
    expect(app.container.resolve(Store)).toBe(store)
    expect(app.container.resolve('Store')).toBe(store)
  })

  it('an instance is registered under its class and its own name', () => {
    const app = newApp()
    class Cache extends Service {}
    const cache = app.addService(new Cache(app, 'cache-eu'))
    expect(app.getService('cache-eu')).toBe(cache)
    expect(app.getService(Cache)).toBe(cache)
    expect(app.container.resolve('cache-eu')).toBe(cache)
  })

  it('constructing a Service never registers it', () => {
    const app = newApp()
    class Loose extends Service {}
    new Loose(app)
    expect(app.hasService('Loose')).toBe(false)
    expect(app.hasService(Loose)).toBe(false)
  })

  it('@injectable() with emitted metadata: resolved through app.container (constructor injection)', () => {
    const app = newApp({ config: { db: { url: 'x' } } })
    @injectable()
    class Repo extends Service {
      constructor(
        app: Application,
        readonly config: Config,
        readonly pubsub: PubSub,
        @inject(LOGGER) readonly log: Logger,
      ) {
        super(app)
      }
    }
    const repo = app.addService(Repo)
    expect(repo.app).toBe(app)
    expect(repo.config).toBe(app.config)
    expect(repo.pubsub).toBe(app.pubsub)
    expect(repo.log).toBe(app.logger)
    expect(app.getService(Repo)).toBe(repo)
  })

  it('@singleton() services are resolved per app, and may depend on other services by type', () => {
    class Db extends Service {}
    @singleton()
    class Users extends Service {
      constructor(app: Application, readonly db: Db) {
        super(app)
      }
    }
    const a = newApp()
    const b = newApp()
    const dbA = a.addService(Db)
    const dbB = b.addService(Db)
    const usersA = a.addService(Users)
    const usersB = b.addService(Users)
    expect(usersA).not.toBe(usersB)
    expect(usersA.db).toBe(dbA)
    expect(usersB.db).toBe(dbB)
  })

  it('decorators called as plain functions work too', () => {
    const app = newApp()
    class Clocked extends Service {
      constructor(app: Application, readonly config: Config) {
        super(app)
      }
    }
    Reflect.defineMetadata('design:paramtypes', [Application, Config], Clocked)
    injectable()(Clocked)
    expect(app.addService(Clocked).config).toBe(app.config)
  })

  it('a failing addService registers nothing (duplicate name)', () => {
    const app = newApp()
    class A extends Service {}
    app.addService(A)
    expect(() => app.addService(new A(app))).toThrow()
    expect(app.hasService('A')).toBe(true)
    expect(app.getService('A')).not.toBe(undefined)
  })
})

describe('§3 bad input', () => {
  it('throws synchronously with the standard message and registers nothing', () => {
    const app = newApp()
    class Svc extends Service {}
    class Mod extends Module {}
    expect(() => new Svc(undefined as never)).toThrow(TypeError)
    expect(() => new Svc(undefined as never)).toThrow(/^Expected `app` to be .+, got undefined \(undefined\)$/)
    expect(() => new Svc(app, '')).toThrow(RangeError)
    expect(() => new Mod({} as never)).toThrow(TypeError)
    for (const bad of [5, 'Svc', {}, null, () => {}, class NotAService {}]) {
      expect(() => app.addService(bad as never)).toThrow(TypeError)
      expect(() => app.addService(bad as never)).toThrow(/^Expected `service` to be .+, got .+/)
    }
    for (const bad of [5, {}, null]) {
      expect(() => app.addModule(bad as never)).toThrow(TypeError)
      expect(() => app.getService(bad as never)).toThrow(TypeError)
      expect(() => app.hasService(bad as never)).toThrow(TypeError)
    }
    expect(() => app.getService('Svc')).toThrow()
    expect(app.hasService(Svc)).toBe(false)
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
})

describe('§3 Module', () => {
  it('keeps app; addModule is idempotent per class; initialize before services, finalize after them', async () => {
    const app = newApp()
    const order: string[] = []
    let constructed = 0
    class Svc extends Service {
      override initialize() {
        order.push('service:init')
      }
      override finalize() {
        order.push('service:final')
      }
    }
    class Mod extends Module {
      constructor(app: Application) {
        super(app)
        constructed++
        app.addService(Svc)
      }
      override initialize() {
        order.push('module:init')
      }
      override finalize() {
        order.push('module:final')
      }
    }
    const first = app.addModule(Mod)
    expect(app.addModule(Mod)).toBe(first)
    expect(first.app).toBe(app)
    expect(constructed).toBe(1)
    await app.start()
    await app.stop()
    expect(order).toEqual(['module:init', 'service:init', 'service:final', 'module:final'])
  })
})

describe('§3 Config', () => {
  const env = {}

  it('get/getString/getNumber/getBoolean/has/section', () => {
    const config = new Config({ config: { web: { port: '8080', debug: 'on', name: 'api' } }, env })
    expect(config.get('web', 'port')).toBe('8080')
    expect(config.getString('web', 'name')).toBe('api')
    expect(config.getNumber('web', 'port')).toBe(8080)
    expect(config.getBoolean('web', 'debug')).toBe(true)
    expect(config.has('web')).toBe(true)
    expect(config.has('web', 'port')).toBe(true)
    expect(config.has('web', 'nope')).toBe(false)
    expect(config.has('nope')).toBe(false)
    expect({ ...config.section('web') }).toEqual({ port: '8080', debug: 'on', name: 'api' })
    expect(config.get('web', 'missing')).toBeUndefined()
  })

  it.each([
    ['yes', true], ['no', false], ['true', true], ['false', false], ['on', true], ['off', false], ['1', true], ['0', false],
    ['YES', true], ['Off', false],
  ])('getBoolean reads %j as %s', (text, expected) => {
    expect(new Config({ config: { s: { k: text } }, env }).getBoolean('s', 'k')).toBe(expected)
  })

  it.each([
    ['250ms', 250], ['10s', 10_000], ['5m', 300_000], ['2h', 7_200_000], ['1d', 86_400_000],
    [10, 10_000], ['10', 10_000], [0.5, 500], ['0', 0],
  ])('getDuration reads %j as %d ms (a bare number is seconds)', (value, ms) => {
    expect(new Config({ config: { s: { k: value } }, env }).getDuration('s', 'k')).toBe(ms)
  })

  it('addDefaults never overrides, also not an earlier default; defaults are the lowest layer', () => {
    const config = new Config({ config: { s: { a: 'code' } }, env: { TSAB__S__C: 'env' } })
    config.addDefaults('s', { a: 'default', b: 'default', c: 'default' })
    config.addDefaults('s', { b: 'later' })
    expect(config.get('s', 'a')).toBe('code')
    expect(config.get('s', 'b')).toBe('default')
    expect(config.get('s', 'c')).toBe('env')
  })

  it('environment TSAB__<SECTION>__<KEY> is the highest layer, matched case-insensitively both ways', () => {
    const config = new Config({
      config: { TaskService: { max_concurrency: 4 }, Web: { Listen: ':80' } },
      env: { TSAB__TASKSERVICE__MAX_CONCURRENCY: '2', tsab__web__listen: 'no', TSAB__wEb__LiStEn: ':8080' },
    })
    expect(config.getNumber('TaskService', 'max_concurrency')).toBe(2)
    expect(config.getNumber('taskservice', 'MAX_CONCURRENCY')).toBe(2)
    expect(config.get('Web', 'Listen')).toBe(':8080')
    expect(config.get('WEB', 'listen')).toBe(':8080')
  })

  it('an app reads its environment overrides from process.env ([TaskService] max_concurrency)', async () => {
    process.env['TSAB__TASKSERVICE__MAX_CONCURRENCY'] = '1'
    let app: Application
    try {
      app = newApp()
    } finally {
      delete process.env['TSAB__TASKSERVICE__MAX_CONCURRENCY']
    }
    await app.start()
    const release: Array<() => void> = []
    const handles = app.taskService.schedule(
      () => new Promise<void>((resolve) => release.push(resolve)),
      () => new Promise<void>((resolve) => release.push(resolve)),
    )
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    expect(handles.map((h) => h.state)).toEqual(['running', 'queued'])
    release.shift()!()
    await handles[0]!.settled
    await new Promise((resolve) => setImmediate(resolve))
    expect(handles[1]!.state).toBe('running')
    release.shift()!()
  })
})
