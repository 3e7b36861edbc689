/**
 * Module (spec §3): a bundle that adds services and config defaults; idempotent per class; initialized before
 * the services and finalized after them.
 */
import { describe, expect, it } from 'vitest'
import { Application } from '../../src/application/application.js'
import { Module } from '../../src/service/module.js'
import { Service } from '../../src/service/service.js'
import { testOptions } from '../support/app.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('Module', () => {
  it('keeps its app; rejects a missing app', () => {
    class M extends Module {}
    const app = new Application(testOptions())
    expect(new M(app).app).toBe(app)
    expect(() => new M(undefined as never)).toThrow(TypeError)
    expect(() => new M({} as never)).toThrow(/`app`/)
  })

  it('adds its services and config defaults in its constructor', () => {
    class MailService extends Service {}
    class MailModule extends Module {
      constructor(app: Application) {
        super(app)
        app.config.addDefaults('mail', { host: '127.0.0.1' })
        app.addService(MailService)
      }
    }
    const app = new Application(testOptions())
    const mod = app.addModule(MailModule)
    expect(mod).toBeInstanceOf(MailModule)
    expect(app.hasService(MailService)).toBe(true)
    expect(app.config.get('mail', 'host')).toBe('127.0.0.1')
  })

  it('addModule is idempotent per class: the second call returns the first instance and constructs nothing', () => {
    let constructed = 0
    class Counted extends Module {
      constructor(app: Application) {
        super(app)
        constructed++
      }
    }
    const app = new Application(testOptions())
    const first = app.addModule(Counted)
    expect(app.addModule(Counted)).toBe(first)
    expect(constructed).toBe(1)
  })

  it('initializes modules before services, once each, and finalizes them after services, in reverse', async () => {
    const calls: string[] = []
    const mod = (name: string) =>
      class extends Module {
        override async initialize() {
          calls.push(`${name}:init`)
        }
        override async finalize() {
          calls.push(`${name}:finalize`)
        }
      }
    class S extends Service {
      override initialize() {
        calls.push('s:init')
      }
      override finalize() {
        calls.push('s:finalize')
      }
    }
    const app = new Application(testOptions())
    app.addService(S)
    const A = mod('a')
    app.addModule(A)
    app.addModule(mod('b'))
    app.addModule(A)
    await app.start()
    await app.stop()
    expect(calls).toEqual(['a:init', 'b:init', 's:init', 's:finalize', 'b:finalize', 'a:finalize'])
  })

  it('a failing module initialize() aborts the start and finalizes the modules already initialized', async () => {
    const calls: string[] = []
    class Good extends Module {
      override finalize() {
        calls.push('good:finalize')
      }
    }
    class Bad extends Module {
      override initialize() {
        throw new Error('module init')
      }
      override finalize() {
        calls.push('bad:finalize')
      }
    }
    class S extends Service {
      override initialize() {
        calls.push('s:init')
      }
    }
    const app = new Application(testOptions())
    app.addModule(Good)
    app.addModule(Bad)
    app.addService(S)
    await expect(app.start()).rejects.toThrow('module init')
    expect(calls).toEqual(['good:finalize'])
    expect(app.exitCode).toBe(1)
  })

  it('addModule rejects what is not a class', () => {
    const app = new Application(testOptions())
    expect(() => app.addModule(undefined as never)).toThrow(TypeError)
    expect(() => app.addModule({} as never)).toThrow(/`module`/)
  })
})
