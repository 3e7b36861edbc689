/**
 * The Application's construction (spec §2): options and their validation, the config file, the app's own child
 * container with its registrations, several independent applications in one process, and the public types.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { container as rootContainer, type DependencyContainer } from 'tsyringe'
import { describe, expect, expectTypeOf, it } from 'vitest'
import * as core from '../../src/index.js'
import { Application } from '../../src/application/application.js'
import { Config } from '../../src/config/config.js'
import { LOGGER } from '../../src/logging/logger.js'
import { PubSub } from '../../src/pubsub/pubsub.js'
import { TaskService } from '../../src/tasks/task-service.js'
import { realClock, type Clock } from '../../src/clock/clock.js'
import type { ApplicationOptions } from '../../src/application/application.js'
import type { Logger } from '../../src/logging/logger.js'
import type { Module, ModuleClass } from '../../src/service/module.js'
import type { Service, ServiceClass } from '../../src/service/service.js'
import { testOptions } from '../support/app.js'
import { memoryLogger } from '../support/logs.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('construction', () => {
  it('names the app after options.name, else its class', () => {
    class BillingApp extends Application {}
    expect(new BillingApp({ handleSignals: false, logger: memoryLogger().logger }).name).toBe('BillingApp')
    expect(new BillingApp({ name: 'billing', logger: memoryLogger().logger }).name).toBe('billing')
    expect(new Application({ logger: memoryLogger().logger }).name).toBe('Application')
  })

  it('starts in state "created" with exit code 0, the given logger and clock, a config, a pubsub and a TaskService', () => {
    const options = testOptions({ config: { web: { port: 8080 } } })
    const app = new Application(options)
    expect(app.state).toBe('created')
    expect(app.isRunning).toBe(false)
    expect(app.exitCode).toBe(0)
    expect(app.logger).toBe(options.logger)
    expect(app.clock).toBe(options.clock)
    expect(app.config).toBeInstanceOf(Config)
    expect(app.config.get('web', 'port')).toBe(8080)
    expect(app.pubsub).toBeInstanceOf(PubSub)
    expect(app.taskService).toBeInstanceOf(TaskService)
    expect(app.taskService.clock).toBe(options.clock)
    expect(app.taskService.app).toBe(app)
  })

  it('defaults to the real clock and a pino logger at the configured level', () => {
    const app = new Application({ config: { logging: { level: 'warn' } } })
    expect(app.clock).toBe(realClock)
    expect(app.logger.level).toBe('warn')
    expect(typeof app.logger.child).toBe('function')
  })

  it('registers the TaskService first', () => {
    const app = new Application(testOptions())
    expect(app.hasService('TaskService')).toBe(true)
    expect(app.getService(TaskService)).toBe(app.taskService)
    expect(app.getService('TaskService')).toBe(app.taskService)
  })

  it.each([
    ['tickPeriodMs', 0, RangeError],
    ['tickPeriodMs', -1, RangeError],
    ['tickPeriodMs', Number.NaN, RangeError],
    ['tickPeriodMs', Infinity, RangeError],
    ['tickPeriodMs', '1000', TypeError],
    ['exitTimeoutMs', -1, RangeError],
    ['exitTimeoutMs', Number.NaN, RangeError],
    ['exitTimeoutMs', '5s', TypeError],
    ['name', '', RangeError],
    ['name', 42, TypeError],
    ['handleSignals', 'yes', TypeError],
    ['handleProcessErrors', 1, TypeError],
    ['configFile', '', RangeError],
    ['config', 'a=b', TypeError],
    ['logger', {}, TypeError],
    ['clock', { now: () => 0 }, TypeError],
    ['container', {}, TypeError],
  ])('options.%s = %j throws %s naming the option', (option, value, ErrorClass) => {
    const build = () => new Application({ [option]: value } as never)
    expect(build).toThrow(ErrorClass)
    expect(build).toThrow(new RegExp(`^Expected \`options\\.${option}\` to be .+, got .+`))
  })

  it('rejects options that are not an object', () => {
    expect(() => new Application('fast' as never)).toThrow(TypeError)
    expect(() => new Application(42 as never)).toThrow(/`options`/)
  })

  it('reads configFile as JSON or INI by extension, else the file named by env TSAB_CONFIG; the file beats options.config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsab-app-config-'))
    const saved = process.env['TSAB_CONFIG']
    try {
      writeFileSync(join(dir, 'a.json'), JSON.stringify({ web: { port: 1 } }))
      writeFileSync(join(dir, 'b.ini'), '[web]\nport = 2\n')
      expect(new Application(testOptions({ configFile: join(dir, 'a.json') })).config.getNumber('web', 'port')).toBe(1)
      expect(new Application(testOptions({ configFile: join(dir, 'b.ini') })).config.getNumber('web', 'port')).toBe(2)
      process.env['TSAB_CONFIG'] = join(dir, 'b.ini')
      expect(new Application(testOptions()).config.getNumber('web', 'port')).toBe(2)
      expect(new Application(testOptions({ config: { web: { port: 9 } } })).config.getNumber('web', 'port')).toBe(2)
    } finally {
      if (saved === undefined) delete process.env['TSAB_CONFIG']
      else process.env['TSAB_CONFIG'] = saved
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('accepts exitTimeoutMs 0 and the boundaries of the other options', () => {
    expect(() => new Application({ exitTimeoutMs: 0, tickPeriodMs: 0.5, handleSignals: true, logger: memoryLogger().logger })).not.toThrow()
  })
})

describe('container', () => {
  it("is a child container of the root container, owned by the app", () => {
    const app = new Application(testOptions())
    expect(app.container).not.toBe(rootContainer)
    rootContainer.register('tsab-test-root-value', { useValue: 'from root' })
    expect(app.container.resolve('tsab-test-root-value')).toBe('from root')
    expect(rootContainer.isRegistered(Application)).toBe(false)
  })

  it('is a child of options.container when given', () => {
    const parent = rootContainer.createChildContainer()
    parent.register('parent-only', { useValue: 7 })
    const app = new Application(testOptions({ container: parent }))
    expect(app.container.resolve('parent-only')).toBe(7)
    expect(parent.isRegistered(Application)).toBe(false)
  })

  it('has the app under Application and under its own subclass, and PubSub, Config, TaskService, LOGGER', () => {
    class ShopApp extends Application {}
    class ShopAppV2 extends ShopApp {}
    const options = testOptions()
    const app = new ShopAppV2(options)
    expect(app.container.resolve(Application)).toBe(app)
    expect(app.container.resolve(ShopAppV2)).toBe(app)
    expect(app.container.resolve(PubSub)).toBe(app.pubsub)
    expect(app.container.resolve(Config)).toBe(app.config)
    expect(app.container.resolve(TaskService)).toBe(app.taskService)
    expect(app.container.resolve(LOGGER)).toBe(options.logger)
    expect(app.container.resolve('TaskService')).toBe(app.taskService)
  })

  it('gives several apps in one process independent containers, services and lifecycles', async () => {
    const a = new Application(testOptions({ name: 'a' }))
    const b = new Application(testOptions({ name: 'b' }))
    expect(a.container).not.toBe(b.container)
    expect(a.container.resolve(Application)).toBe(a)
    expect(b.container.resolve(Application)).toBe(b)
    expect(a.container.resolve(PubSub)).not.toBe(b.container.resolve(PubSub))
    expect(a.taskService).not.toBe(b.taskService)
    class Mailer extends core.Service {}
    const ma = a.addService(Mailer)
    expect(b.hasService(Mailer)).toBe(false)
    const mb = b.addService(Mailer)
    expect(ma).not.toBe(mb)
    expect(mb.app).toBe(b)
    await a.start()
    expect(b.state).toBe('created')
    await b.start()
    await a.stop(3)
    expect(b.state).toBe('running')
    await expect(b.stop()).resolves.toBe(0)
    expect(a.exitCode).toBe(3)
  })
})

describe('@tsab/core exports', () => {
  it('re-exports tsyringe injectable, inject and singleton', async () => {
    const tsyringe = await import('tsyringe')
    expect(core.injectable).toBe(tsyringe.injectable)
    expect(core.inject).toBe(tsyringe.inject)
    expect(core.singleton).toBe(tsyringe.singleton)
  })

  it('exports Application, Service, Module, LOGGER and the errors', () => {
    expect(core.Application).toBe(Application)
    expect(core.LOGGER).toBe(LOGGER)
    expect(typeof core.Service).toBe('function')
    expect(typeof core.Module).toBe('function')
    expect(typeof core.ServiceNotFoundError).toBe('function')
    expect(typeof core.DuplicateServiceError).toBe('function')
  })
})

describe('types', () => {
  it('match the contract (spec §2, §2a)', () => {
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
    class Mailer extends core.Service {}
    class Mod extends core.Module {}
    class MyApp extends Application {}
    const app = new Application(testOptions())
    expectTypeOf(app.addService(Mailer)).toEqualTypeOf<Mailer>()
    expectTypeOf(app.getService(Mailer)).toEqualTypeOf<Mailer>()
    expectTypeOf(app.addModule(Mod)).toEqualTypeOf<Mod>()
    expectTypeOf<ModuleClass<Mod>>().toMatchTypeOf<new (app: Application) => Mod>()
    expectTypeOf<ModuleClass>().toMatchTypeOf<new (app: Application) => Module>()
    expectTypeOf(Application.main).parameter(0).toMatchTypeOf<new (options?: ApplicationOptions) => Application>()
    expectTypeOf(Application.main<MyApp>).returns.toEqualTypeOf<Promise<never>>()
    expectTypeOf<ApplicationOptions>().toEqualTypeOf<{
      name?: string
      config?: Record<string, Record<string, unknown>>
      configFile?: string
      logger?: Logger
      container?: DependencyContainer
      tickPeriodMs?: number
      exitTimeoutMs?: number
      handleSignals?: boolean
      handleProcessErrors?: boolean
      clock?: Clock
    }>()
  })
})
