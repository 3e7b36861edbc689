/**
 * Contract §2 (Application): black-box checks through `@tsab/core` of the sentences the unit tests leave out or
 * only touch indirectly: hook timing, main() failures, stop() input and counters, options and the clock.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import { container as rootContainer } from 'tsyringe'
import {
  Application,
  Config,
  LOGGER,
  Messages,
  Module,
  PubSub,
  Service,
  TaskService,
  createLogger,
  type ApplicationOptions,
  type Clock,
  type DependencyContainer,
  type Logger,
  type ModuleClass,
  type ServiceClass,
} from '@tsab/core'
import { TestClock, createTestApplication } from '@tsab/core/testing'
import { turns } from '../support/event-loop.js'
import { Level, memoryLogger } from '../support/logs.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

const apps: Application[] = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop()
})

function options(extra: ApplicationOptions = {}) {
  const { logger, lines } = memoryLogger()
  const clock = new TestClock()
  return { opts: { logger, clock, handleSignals: false, ...extra } satisfies ApplicationOptions, lines, clock }
}

function track<A extends Application>(app: A): A {
  apps.push(app)
  return app
}

describe('§2 construction and options', () => {
  it('name is options.name, else the class name; state created; exitCode 0', () => {
    class Shop extends Application {}
    const a = track(new Shop(options().opts))
    const b = track(new Shop({ ...options().opts, name: 'shop-1' }))
    expect(a.name).toBe('Shop')
    expect(b.name).toBe('shop-1')
    expect(a.state).toBe('created')
    expect(a.exitCode).toBe(0)
  })

  it('exposes logger, config, pubsub, taskService; TaskService is registered first and always present', () => {
    const app = track(new Application(options().opts))
    expect(app.config).toBeInstanceOf(Config)
    expect(app.pubsub).toBeInstanceOf(PubSub)
    expect(app.taskService).toBeInstanceOf(TaskService)
    expect(app.getService('TaskService')).toBe(app.taskService)
    expect(app.getService(TaskService)).toBe(app.taskService)
    expect(app.container.resolve(TaskService)).toBe(app.taskService)
    expect(app.container.resolve(LOGGER)).toBe(app.logger)
    expect(app.container.resolve(Config)).toBe(app.config)
    expect(app.container.resolve(PubSub)).toBe(app.pubsub)
  })

  it('the container is a child owned by the app: registrations do not leak to the parent', () => {
    const parent = rootContainer.createChildContainer()
    parent.register('fromParent', { useValue: 7 })
    const app = track(new Application({ ...options().opts, container: parent }))
    expect(app.container).not.toBe(parent)
    expect(app.container.resolve('fromParent')).toBe(7)
    expect(parent.isRegistered(Application)).toBe(false)
    expect(rootContainer.isRegistered(Application)).toBe(false)
  })

  it('options.config is readable through app.config', () => {
    const app = track(new Application({ ...options().opts, config: { web: { port: 8080 } } }))
    expect(app.config.getNumber('web', 'port')).toBe(8080)
  })

  it('configFile is read as JSON or INI by extension, and env TSAB_CONFIG is used without it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsab-contract-'))
    const saved = process.env['TSAB_CONFIG']
    try {
      writeFileSync(join(dir, 'a.json'), JSON.stringify({ web: { port: 1 } }))
      writeFileSync(join(dir, 'b.ini'), '[web]\nport = 2\n')
      expect(track(new Application({ ...options().opts, configFile: join(dir, 'a.json') })).config.getNumber('web', 'port')).toBe(1)
      expect(track(new Application({ ...options().opts, configFile: join(dir, 'b.ini') })).config.getNumber('web', 'port')).toBe(2)
      process.env['TSAB_CONFIG'] = join(dir, 'b.ini')
      expect(track(new Application(options().opts)).config.getNumber('web', 'port')).toBe(2)
      // The file beats options.config.
      expect(track(new Application({ ...options().opts, config: { web: { port: 9 } } })).config.getNumber('web', 'port')).toBe(2)
    } finally {
      if (saved === undefined) delete process.env['TSAB_CONFIG']
      else process.env['TSAB_CONFIG'] = saved
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('default logger level: config [logging] level, else env LOG_LEVEL, else info', () => {
    const saved = process.env['LOG_LEVEL']
    try {
      delete process.env['LOG_LEVEL']
      const base = { handleSignals: false }
      expect(track(new Application(base)).logger.level).toBe('info')
      process.env['LOG_LEVEL'] = 'error'
      expect(track(new Application(base)).logger.level).toBe('error')
      expect(track(new Application({ ...base, config: { logging: { level: 'warn' } } })).logger.level).toBe('warn')
    } finally {
      if (saved === undefined) delete process.env['LOG_LEVEL']
      else process.env['LOG_LEVEL'] = saved
    }
  })

  it('options.logger is used as is', () => {
    const logger = createLogger({ level: 'silent' })
    expect(track(new Application({ logger, handleSignals: false })).logger).toBe(logger)
  })

  it.each([
    [{ name: 5 }, TypeError, 'options.name'],
    [{ name: '' }, RangeError, 'options.name'],
    [{ tickPeriodMs: 0 }, RangeError, 'options.tickPeriodMs'],
    [{ tickPeriodMs: Number.NaN }, RangeError, 'options.tickPeriodMs'],
    [{ tickPeriodMs: '5' }, TypeError, 'options.tickPeriodMs'],
    [{ exitTimeoutMs: -1 }, RangeError, 'options.exitTimeoutMs'],
    [{ handleSignals: 'yes' }, TypeError, 'options.handleSignals'],
    [{ clock: {} }, TypeError, 'options.clock'],
    [{ config: 'x' }, TypeError, 'options.config'],
  ])('bad option %j throws synchronously with the "Expected `x` to be …, got …" shape', (bad, Kind, name) => {
    expect(() => new Application(bad as unknown as ApplicationOptions)).toThrow(Kind)
    expect(() => new Application(bad as unknown as ApplicationOptions)).toThrow(new RegExp(`^Expected \`${name.replace('.', '\\.')}\` to be .+, got .+`))
  })
})

describe('§2 init-time and run-time', () => {
  it('Application.init! is published in state initializing before any initialize(); run! in running before main()', async () => {
    const seen: string[] = []
    class Probe extends Service {
      override initialize() {
        seen.push(`service:${this.app.state}`)
      }
    }
    class App extends Application {
      protected override initialize() {
        seen.push(`app:${this.state}`)
      }
      protected override main() {
        seen.push(`main:${this.state}`)
      }
    }
    const app = track(new App(options().opts))
    app.addService(Probe)
    app.pubsub.subscribe(Messages.ApplicationInit, () => void seen.push(`init!:${app.state}`))
    app.pubsub.subscribe(Messages.ApplicationRun, () => void seen.push(`run!:${app.state}`))
    await app.start()
    expect(seen).toEqual(['init!:initializing', 'service:initializing', 'app:initializing', 'run!:running', 'main:running'])
  })

  it('start() resolves once main() has been called, without waiting for an async main() to finish', async () => {
    let release!: () => void
    class App extends Application {
      mainEnded = false
      protected override async main() {
        await new Promise<void>((resolve) => (release = resolve))
        this.mainEnded = true
      }
    }
    const app = track(new App(options().opts))
    await app.start()
    expect(app.state).toBe('running')
    expect(app.mainEnded).toBe(false)
    release()
    await turns(2)
    expect(app.mainEnded).toBe(true)
    expect(app.state).toBe('running') // main() returning does not stop the app
  })

  it.each([
    ['throws', () => { throw new Error('main broke') }],
    ['rejects', async () => { throw new Error('main broke') }],
  ])('main() that %s: start() still resolves, the error is logged, exit code 1, services are finalized', async (_kind, body) => {
    const { opts, lines } = options()
    const finalized: string[] = []
    class Store extends Service {
      override finalize() {
        finalized.push(this.name)
      }
    }
    class App extends Application {
      protected override main() {
        return body()
      }
    }
    const app = track(new App(opts))
    app.addService(Store)
    await expect(app.start()).resolves.toBeUndefined()
    expect(await app.stop()).toBe(1)
    expect(app.state).toBe('stopped')
    expect(app.exitCode).toBe(1)
    expect(finalized).toEqual(['Store'])
    expect(lines.some((l) => l.level >= Level.error && JSON.stringify(l).includes('main broke'))).toBe(true)
  })

  it('run() returns 1 after a throwing main(), and a later stop(0) does not lower it', async () => {
    class App extends Application {
      protected override main() {
        throw new Error('boom')
      }
    }
    const app = track(new App(options().opts))
    expect(await app.run()).toBe(1)
    expect(await app.stop(0)).toBe(1)
  })

  it('the clock of the options drives the ticks, the TaskService timeouts and Service.tasks', async () => {
    const { opts, clock } = options({ tickPeriodMs: 100 })
    class Poller extends Service {
      runs = 0
      override initialize() {
        this.tasks.registerTask('poll', () => void this.runs++, { interval: 50 })
      }
    }
    const app = track(new Application(opts))
    const poller = app.addService(Poller)
    const ticks: string[] = []
    app.pubsub.subscribe(Messages.ApplicationTick, (m) => void ticks.push(m))
    await app.start()
    const handle = app.taskService.spawn((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { timeoutMs: 120 })
    await clock.advance(250)
    expect(ticks).toHaveLength(2)
    expect(poller.runs).toBe(5)
    expect(handle.state).toBe('cancelled')
    await app.stop()
    expect(clock.pending).toBe(0)
  })

  it('createTestApplication returns a started app; stop() leaves no timer armed', async () => {
    const clock = new TestClock()
    const app = await createTestApplication({ clock })
    expect(app.state).toBe('running')
    expect(await app.stop()).toBe(0)
    expect(clock.pending).toBe(0)
  })
})

describe('§2 with the default real clock under vi fake timers', () => {
  it('ticks, task timeouts and waitFor follow the faked timers; tasks still start; stop() completes', async () => {
    vi.useFakeTimers()
    try {
      const app = await createTestApplication()
      let ticks = 0
      app.pubsub.subscribe(Messages.ApplicationTick, () => void ticks++)
      const [quick] = app.taskService.schedule(async () => 5)
      expect(await quick!.result).toBe(5)
      const slow = app.taskService.spawn((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { timeoutMs: 100 })
      await vi.advanceTimersByTimeAsync(3000)
      expect(ticks).toBe(3)
      expect(slow.state).toBe('cancelled')
      const waiting = app.pubsub.waitFor('Never!', { timeoutMs: 50 }).catch((e: unknown) => e)
      await vi.advanceTimersByTimeAsync(50)
      expect((await waiting as Error).name).toBe('TimeoutError')
      const stopping = app.stop()
      await vi.advanceTimersByTimeAsync(10)
      expect(await stopping).toBe(0)
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('§2 exit-time', () => {
  it('publishes stop! (with the counter) before exit!, then app.finalize(), services, modules; state stopping throughout', async () => {
    const seen: string[] = []
    class Mod extends Module {
      override finalize() {
        seen.push(`module:${this.app.state}`)
      }
    }
    class Svc extends Service {
      override finalize() {
        seen.push(`service:${this.app.state}`)
      }
    }
    class App extends Application {
      protected override finalize() {
        seen.push(`app:${this.state}`)
      }
    }
    const app = track(new App(options().opts))
    app.addModule(Mod)
    app.addService(Svc)
    app.pubsub.subscribe(Messages.ApplicationStop, (_m, count) => void seen.push(`stop!:${String(count)}:${app.state}`))
    app.pubsub.subscribe(Messages.ApplicationExit, () => void seen.push(`exit!:${app.state}`))
    await app.start()
    await app.stop()
    expect(seen).toEqual(['stop!:1:running', 'exit!:stopping', 'app:stopping', 'service:stopping', 'module:stopping'])
    expect(app.state).toBe('stopped')
  })

  it('Application.stop! once per request: three stop() calls while stopping give counters 1, 2, 3 and one exit!', async () => {
    const { opts } = options()
    let release!: () => void
    class Slow extends Service {
      override finalize() {
        return new Promise<void>((resolve) => (release = resolve))
      }
    }
    const app = track(new Application(opts))
    app.addService(Slow)
    const stops: unknown[] = []
    let exits = 0
    app.pubsub.subscribe(Messages.ApplicationStop, (_m, count) => void stops.push(count))
    app.pubsub.subscribe(Messages.ApplicationExit, () => void exits++)
    await app.start()
    const p1 = app.stop()
    const p2 = app.stop(2)
    const p3 = app.stop()
    expect(stops).toEqual([1, 2, 3])
    await turns(2)
    release()
    expect(await Promise.all([p1, p2, p3])).toEqual([2, 2, 2])
    expect(exits).toBe(1)
  })

  it('stop(0) after stop(3) keeps 3; stop() resolves with the exit code once stopped', async () => {
    const app = track(new Application(options().opts))
    await app.start()
    const first = app.stop(3)
    const second = app.stop(0)
    expect(app.state).toBe('stopping')
    expect(await first).toBe(3)
    expect(await second).toBe(3)
    expect(app.exitCode).toBe(3)
  })

  it.each([
    [-1, RangeError],
    [1.5, RangeError],
    [Number.NaN, RangeError],
    ['1', TypeError],
  ])('stop(%j) throws synchronously and changes nothing', async (code, Kind) => {
    const app = track(new Application(options().opts))
    await app.start()
    const stops: unknown[] = []
    app.pubsub.subscribe(Messages.ApplicationStop, (_m, count) => void stops.push(count))
    expect(() => app.stop(code as number)).toThrow(Kind)
    expect(() => app.stop(code as number)).toThrow(/^Expected `exitCode` to be .+, got .+/)
    expect(app.state).toBe('running')
    expect(stops).toEqual([])
    expect(await app.stop()).toBe(0)
    expect(stops).toEqual([1])
  })

  it('a failing finalize is logged with the service name; a hanging one is cut off at exitTimeoutMs; the others still run', async () => {
    const { opts, lines, clock } = options({ exitTimeoutMs: 1000 })
    const order: string[] = []
    class First extends Service {
      override finalize() {
        order.push('First')
      }
    }
    class Broken extends Service {
      override finalize() {
        throw new Error('cannot close')
      }
    }
    class Stuck extends Service {
      override finalize() {
        return new Promise<void>(() => {})
      }
    }
    const app = track(new Application(opts))
    app.addService(First)
    app.addService(Broken)
    app.addService(Stuck)
    await app.start()
    let code: number | undefined
    void app.stop().then((c) => (code = c))
    await turns(3)
    expect(code).toBeUndefined()
    await clock.advance(1000)
    await turns(3)
    expect(code).toBe(0)
    expect(order).toEqual(['First'])
    const errors = lines.filter((l) => l.level >= Level.error)
    expect(errors.some((l) => l['service'] === 'Broken' && JSON.stringify(l).includes('cannot close'))).toBe(true)
    expect(errors.some((l) => l['service'] === 'Stuck' && String(l.msg).includes('Stuck'))).toBe(true)
    expect(clock.pending).toBe(0)
  })

  it('the whole exit-time fits exitTimeoutMs: a hanging finalize eats the budget, the TaskService still names its stragglers', async () => {
    const { opts, lines, clock } = options({ exitTimeoutMs: 1000 })
    class Stuck extends Service {
      override finalize() {
        return new Promise<void>(() => {})
      }
    }
    const app = track(new Application(opts))
    app.addService(Stuck)
    await app.start()
    app.taskService.spawn(() => new Promise(() => {}), { name: 'deaf' })
    await turns(2)
    let code: number | undefined
    void app.stop().then((c) => (code = c))
    await clock.advance(999)
    await turns(2)
    expect(code).toBeUndefined()
    await clock.advance(1)
    await turns(3)
    expect(code).toBe(0)
    expect(app.state).toBe('stopped')
    expect(lines.some((l) => l.level === Level.warn && l.msg === '1 pending and incomplete tasks: deaf')).toBe(true)
    expect(clock.pending).toBe(0)
  })

  it('a failing initialize() finalizes the initialized services in reverse order and start() rejects with that error', async () => {
    const order: string[] = []
    const make = (name: string, fail = false) =>
      class extends Service {
        static readonly serviceName = name
        override initialize() {
          if (fail) throw new Error(`${name} failed`)
        }
        override finalize() {
          order.push(name)
        }
      }
    const app = track(new Application(options().opts))
    app.addService(make('A'))
    app.addService(make('B'))
    app.addService(make('C', true))
    app.addService(make('D'))
    await expect(app.start()).rejects.toThrow('C failed')
    expect(order).toEqual(['B', 'A'])
    expect(app.state).toBe('stopped')
    expect(app.exitCode).toBe(1)
  })
})

describe('§2 signatures', () => {
  it('match the contract', () => {
    expectTypeOf<Application['name']>().toEqualTypeOf<string>()
    expectTypeOf<Application['container']>().toEqualTypeOf<DependencyContainer>()
    expectTypeOf<Application['logger']>().toEqualTypeOf<Logger>()
    expectTypeOf<Application['config']>().toEqualTypeOf<Config>()
    expectTypeOf<Application['pubsub']>().toEqualTypeOf<PubSub>()
    expectTypeOf<Application['taskService']>().toEqualTypeOf<TaskService>()
    expectTypeOf<Application['state']>().toEqualTypeOf<'created' | 'initializing' | 'running' | 'stopping' | 'stopped'>()
    expectTypeOf<Application['exitCode']>().toEqualTypeOf<number>()
    expectTypeOf<Application['start']>().toEqualTypeOf<() => Promise<void>>()
    expectTypeOf<Application['stop']>().toEqualTypeOf<(exitCode?: number) => Promise<number>>()
    expectTypeOf<Application['run']>().toEqualTypeOf<() => Promise<number>>()
    expectTypeOf<Application['hasService']>().toEqualTypeOf<(key: string | ServiceClass<Service>) => boolean>()
    class Mailer extends Service {}
    class Mod extends Module {}
    const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
    expectTypeOf(app.addService(Mailer)).toEqualTypeOf<Mailer>()
    expectTypeOf(app.getService(Mailer)).toEqualTypeOf<Mailer>()
    expectTypeOf(app.addModule(Mod)).toEqualTypeOf<Mod>()
    expectTypeOf<ModuleClass<Mod>>().toMatchTypeOf<new (app: Application) => Mod>()
    expectTypeOf<ApplicationOptions>().toEqualTypeOf<{
      name?: string
      config?: Record<string, Record<string, unknown>>
      configFile?: string
      logger?: Logger
      container?: DependencyContainer
      tickPeriodMs?: number
      exitTimeoutMs?: number
      handleSignals?: boolean
      clock?: Clock
    }>()
    void app.stop()
  })
})
