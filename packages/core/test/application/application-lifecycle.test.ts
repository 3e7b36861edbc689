/**
 * Application lifecycle (spec §2): init-time order, init failures, stop during init-time, run-time and main(),
 * start()/stop()/run() semantics, exit codes and the stop counter.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Application, type ApplicationOptions } from '../../src/application/application.js'
import { InvalidStateError } from '../../src/errors/errors.js'
import { Messages } from '../../src/pubsub/messages.js'
import { Module } from '../../src/service/module.js'
import { Service } from '../../src/service/service.js'
import { testOptions } from '../support/app.js'
import { turns } from '../support/event-loop.js'
import { hang } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

const apps: Application[] = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop()
})

/** Builds an app class whose hooks and services write to `calls`. */
function loggedApp(calls: string[], hooks: { init?: () => void | Promise<void>; main?: () => void | Promise<void> } = {}) {
  class LoggedApp extends Application {
    protected override async initialize() {
      calls.push('app:init')
      await hooks.init?.()
    }
    protected override main() {
      calls.push('app:main')
      return hooks.main?.()
    }
    protected override finalize() {
      calls.push('app:finalize')
    }
  }
  return LoggedApp
}

function loggedService(calls: string[], name: string, init?: () => void | Promise<void>) {
  return class extends Service {
    static readonly serviceName = name
    override async initialize() {
      calls.push(`${name}:init`)
      await init?.()
    }
    override finalize() {
      calls.push(`${name}:finalize`)
    }
  }
}

function loggedModule(calls: string[], name: string) {
  return class extends Module {
    override initialize() {
      calls.push(`${name}:init`)
    }
    override finalize() {
      calls.push(`${name}:finalize`)
    }
  }
}

function make<A extends Application>(Cls: new (o: ApplicationOptions) => A, extra: ApplicationOptions = {}) {
  const options = testOptions(extra)
  const app = new Cls(options)
  apps.push(app)
  return { app, clock: options.clock, lines: options.lines }
}

describe('init-time', () => {
  it('publishes Application.init!, initializes modules in add order, services in registration order (TaskService first), then app.initialize()', async () => {
    const calls: string[] = []
    const { app } = make(loggedApp(calls))
    app.pubsub.subscribe(Messages.ApplicationInit, () => void calls.push('init!'))
    const taskServiceInit = app.taskService.initialize.bind(app.taskService)
    app.taskService.initialize = () => {
      calls.push('TaskService:init')
      taskServiceInit()
    }
    app.addService(loggedService(calls, 'b'))
    app.addModule(loggedModule(calls, 'm1'))
    app.addService(loggedService(calls, 'a'))
    app.addModule(loggedModule(calls, 'm2'))
    expect(app.state).toBe('created')
    await app.start()
    expect(calls).toEqual(['init!', 'm1:init', 'm2:init', 'TaskService:init', 'b:init', 'a:init', 'app:init', 'app:main'])
  })

  it('is in state "initializing" while the initializers run', async () => {
    const states: string[] = []
    const { app } = make(Application)
    app.pubsub.subscribe(Messages.ApplicationInit, () => void states.push(app.state))
    class Probe extends Service {
      override initialize() {
        states.push(app.state)
      }
    }
    app.addService(Probe)
    await app.start()
    expect(states).toEqual(['initializing', 'initializing'])
    expect(app.state).toBe('running')
  })

  it('initializes a service added during init-time within the same init-time', async () => {
    const calls: string[] = []
    const Late = loggedService(calls, 'late')
    const LateFromApp = loggedService(calls, 'late-from-app')
    const { app } = make(loggedApp(calls, { init: () => void app.addService(LateFromApp) }))
    app.addService(loggedService(calls, 'first', () => void app.addService(Late)))
    await app.start()
    expect(calls).toEqual(['first:init', 'late:init', 'app:init', 'late-from-app:init', 'app:main'])
    await app.stop()
    expect(calls.slice(5)).toEqual(['app:finalize', 'late-from-app:finalize', 'late:finalize', 'first:finalize'])
  })

  it('a failing initialize() finalizes the initialized services in reverse order, rejects start() with that error, state stopped', async () => {
    const calls: string[] = []
    const boom = new Error('db down')
    const { app, lines, clock } = make(loggedApp(calls))
    app.addModule(loggedModule(calls, 'm'))
    app.addService(loggedService(calls, 'a'))
    app.addService(loggedService(calls, 'b'))
    app.addService(loggedService(calls, 'bad', () => Promise.reject(boom)))
    app.addService(loggedService(calls, 'never'))
    await expect(app.start()).rejects.toBe(boom)
    expect(calls).toEqual(['m:init', 'a:init', 'b:init', 'bad:init', 'b:finalize', 'a:finalize', 'm:finalize'])
    expect(app.state).toBe('stopped')
    expect(app.exitCode).toBe(1)
    expect(lines.some((l) => l.level === 50 && (l.err as { message: string }).message === 'db down')).toBe(true)
    expect(clock.pending).toBe(0)
  })

  it('a failing app.initialize() finalizes every service but not the app itself', async () => {
    const calls: string[] = []
    const { app } = make(loggedApp(calls, { init: () => { throw new TypeError('bad config') } }))
    app.addService(loggedService(calls, 'a'))
    await expect(app.start()).rejects.toThrow(TypeError)
    expect(calls).toEqual(['a:init', 'app:init', 'a:finalize'])
  })

  it('run() resolves with exit code 1 when init fails', async () => {
    const calls: string[] = []
    const { app } = make(Application)
    app.addService(loggedService(calls, 'bad', () => { throw 'not an error' }))
    await expect(app.run()).resolves.toBe(1)
    expect(app.state).toBe('stopped')
  })

  it('a stop() during init-time goes straight to exit-time after init; main() is not called; start() resolves once stopped', async () => {
    const calls: string[] = []
    const gate = hang()
    const { app } = make(loggedApp(calls))
    app.pubsub.subscribe(Messages.ApplicationRun, () => void calls.push('run!'))
    app.pubsub.subscribe(Messages.ApplicationExit, () => void calls.push('exit!'))
    app.addService(loggedService(calls, 'slow', () => gate.promise))
    app.addService(loggedService(calls, 'next'))
    let started = false
    const start = app.start().then(() => (started = true))
    await turns(5)
    expect(app.state).toBe('initializing')
    const stopped = app.stop(4)
    await turns(5)
    expect(started).toBe(false)
    gate.release()
    await start
    expect(app.state).toBe('stopped')
    await expect(stopped).resolves.toBe(4)
    expect(calls).toEqual(['slow:init', 'next:init', 'app:init', 'exit!', 'app:finalize', 'next:finalize', 'slow:finalize'])
  })

  it('start() twice returns the same promise and initializes once', async () => {
    const calls: string[] = []
    const { app } = make(loggedApp(calls))
    const first = app.start()
    expect(app.start()).toBe(first)
    await first
    await app.start()
    expect(calls).toEqual(['app:init', 'app:main'])
  })

  it('start() after stop() before start() rejects with InvalidStateError and runs nothing', async () => {
    const calls: string[] = []
    const { app } = make(loggedApp(calls))
    await expect(app.stop()).resolves.toBe(0)
    expect(app.state).toBe('stopped')
    await expect(app.start()).rejects.toThrow(InvalidStateError)
    await expect(app.start()).rejects.toThrow(/state "stopped"/)
    expect(calls).toEqual([])
  })
})

describe('run-time', () => {
  it('is running, publishes Application.run! and calls main() once; start() resolves after main() was called', async () => {
    const calls: string[] = []
    const gate = hang()
    const { app } = make(loggedApp(calls, { main: () => gate.promise }))
    app.pubsub.subscribe(Messages.ApplicationRun, () => void calls.push(`run!:${app.state}`))
    await app.start()
    expect(app.state).toBe('running')
    expect(app.isRunning).toBe(true)
    expect(calls).toEqual(['app:init', 'run!:running', 'app:main'])
    gate.release()
    await turns(5)
    expect(calls.filter((c) => c === 'app:main')).toHaveLength(1)
  })

  it('main() returning does not stop the app', async () => {
    const { app, clock } = make(Application)
    await app.start()
    await clock.advance(5_000)
    expect(app.state).toBe('running')
  })

  it.each([
    ['synchronously', () => { throw new Error('main broke') }],
    ['asynchronously', async () => { await Promise.resolve(); throw new Error('main broke') }],
  ])('main() throwing %s: start() resolves, the error is logged, exit code 1, exit-time runs', async (_how, main) => {
    const calls: string[] = []
    const { app, lines } = make(loggedApp(calls, { main }))
    app.addService(loggedService(calls, 'svc'))
    await expect(app.start()).resolves.toBeUndefined()
    await expect(app.run()).resolves.toBe(1)
    expect(app.state).toBe('stopped')
    expect(app.exitCode).toBe(1)
    expect(calls).toEqual(['svc:init', 'app:init', 'app:main', 'app:finalize', 'svc:finalize'])
    const logged = lines.find((l) => l.level === 50 && /main\(\)/.test(l.msg))
    expect((logged?.err as { message: string }).message).toBe('main broke')
  })

  it('a stop() from an Application.run! subscriber: main() is not called and no tick is armed', async () => {
    const calls: string[] = []
    const { app, clock } = make(loggedApp(calls))
    app.pubsub.subscribe(Messages.ApplicationRun, () => void app.stop())
    await app.start()
    await expect(app.stop()).resolves.toBe(0)
    expect(calls).toEqual(['app:init', 'app:finalize'])
    expect(clock.pending).toBe(0)
  })

  it('main() may stop the app itself', async () => {
    const calls: string[] = []
    const { app } = make(loggedApp(calls, { main: () => void app.stop(2) }))
    await expect(app.run()).resolves.toBe(2)
    expect(calls).toEqual(['app:init', 'app:main', 'app:finalize'])
  })
})

describe('stop() and exit codes', () => {
  it('resolves with the exit code once stopped; the same promise for every call', async () => {
    const { app } = make(Application)
    await app.start()
    const a = app.stop()
    const b = app.stop()
    expect(b).toBe(a)
    expect(app.state).toBe('stopping')
    await expect(a).resolves.toBe(0)
    expect(app.state).toBe('stopped')
    expect(app.stop()).toBe(a)
  })

  it('raises the exit code, never lowers it (stop(3) then stop(0) keeps 3)', async () => {
    const { app } = make(Application)
    await app.start()
    const first = app.stop(3)
    const second = app.stop(0)
    await expect(first).resolves.toBe(3)
    await expect(second).resolves.toBe(3)
    expect(app.exitCode).toBe(3)
  })

  it('a later higher code while stopping wins; after stopped the code is final', async () => {
    const { app } = make(Application)
    await app.start()
    const first = app.stop(1)
    void app.stop(5)
    await expect(first).resolves.toBe(5)
    await expect(app.stop(9)).resolves.toBe(5)
    expect(app.exitCode).toBe(5)
  })

  it('publishes Application.stop! once per request with the stop counter, and Application.exit! once', async () => {
    const seen: unknown[][] = []
    const { app } = make(Application)
    app.pubsub.subscribe(Messages.ApplicationStop, (...args) => void seen.push(args))
    app.pubsub.subscribe(Messages.ApplicationExit, (...args) => void seen.push(args))
    await app.start()
    void app.stop()
    void app.stop()
    await app.stop()
    expect(seen).toEqual([
      ['Application.stop!', 1],
      ['Application.exit!'],
      ['Application.stop!', 2],
      ['Application.stop!', 3],
    ])
  })

  it('stop() before start() stops at once with that code; run() then returns it', async () => {
    const calls: string[] = []
    const { app } = make(loggedApp(calls))
    await expect(app.stop(6)).resolves.toBe(6)
    expect(app.state).toBe('stopped')
    await expect(app.run()).resolves.toBe(6)
    expect(calls).toEqual([])
  })

  it.each([
    [-1, RangeError],
    [1.5, RangeError],
    [256, RangeError],
    [Number.NaN, RangeError],
    ['x', TypeError],
    [null, TypeError],
  ])('stop(%s) throws %s synchronously and changes nothing', async (code, ErrorClass) => {
    const { app } = make(Application)
    await app.start()
    expect(() => app.stop(code as number)).toThrow(ErrorClass)
    expect(() => app.stop(code as number)).toThrow(/`exitCode`/)
    expect(app.state).toBe('running')
    expect(app.exitCode).toBe(0)
  })

  it('Symbol.asyncDispose stops the app', async () => {
    const options = testOptions()
    let app: Application
    {
      await using scoped = new Application(options)
      app = scoped
      await scoped.start()
    }
    expect(app.state).toBe('stopped')
  })

  it('run() waits for stop() and returns the exit code', async () => {
    const { app } = make(Application)
    let code: number | undefined
    const running = app.run().then((c) => (code = c))
    await turns(5)
    expect(app.state).toBe('running')
    expect(code).toBeUndefined()
    await app.stop(7)
    await running
    expect(code).toBe(7)
  })

  it('addService() and addModule() after stop throw InvalidStateError', async () => {
    const { app } = make(Application)
    await app.stop()
    class S extends Service {}
    class M extends Module {}
    expect(() => app.addService(S)).toThrow(InvalidStateError)
    expect(() => app.addModule(M)).toThrow(InvalidStateError)
    expect(app.hasService(S)).toBe(false)
  })
})
