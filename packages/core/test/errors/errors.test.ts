/**
 * Errors (spec §1): every class extends TsabError with its own code and name, the fields the contract names, the
 * errors the API throws, and isCancellation(). Checked through the public API; the codes ↔ docs check is in docs/test.
 */
import { describe, expect, it } from 'vitest'
import {
  Application,
  CacheNotFoundError,
  CancelledError,
  ChildCancelledError,
  createLogger,
  DuplicateServiceError,
  DuplicateTaskError,
  InvalidStateError,
  OverloadedError,
  isCancellation,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  Service,
  ServiceNotFoundError,
  TaskManager,
  TimeoutError,
  TsabError,
} from '@tsab/core'

describe('§1 error classes', () => {
  const all = [
    ['CancelledError', () => new CancelledError('why')],
    ['TimeoutError', () => new TimeoutError(5)],
    ['ServiceNotFoundError', () => new ServiceNotFoundError('X', [])],
    ['DuplicateServiceError', () => new DuplicateServiceError('X')],
    ['DuplicateTaskError', () => new DuplicateTaskError('X')],
    ['InvalidStateError', () => new InvalidStateError('bad')],
    ['CacheNotFoundError', () => new CacheNotFoundError('p', 1)],
    ['QueueFull', () => new QueueFull()],
    ['QueueEmpty', () => new QueueEmpty()],
    ['QueueShutDown', () => new QueueShutDown()],
    ['ChildCancelledError', () => new ChildCancelledError('why')],
    ['OverloadedError', () => new OverloadedError('too many', 10)],
  ] as const

  it.each(all)('%s extends TsabError and Error, has a string code and its own name', (name, make) => {
    const error = make()
    expect(error).toBeInstanceOf(TsabError)
    expect(error).toBeInstanceOf(Error)
    expect(typeof error.code).toBe('string')
    expect(error.code).toMatch(/^TSAB_[A-Z_]+$/)
    expect(error.name).toBe(name)
    expect(typeof error.stack).toBe('string')
  })

  it('gives every class its own code', () => {
    const codes = all.map(([, make]) => make().code)
    expect(new Set(codes).size).toBe(codes.length)
  })

  it('TsabError is an Error with a code', () => {
    const error = new TsabError('TSAB_SOMETHING', 'text')
    expect(error).toBeInstanceOf(Error)
    expect(error.code).toBe('TSAB_SOMETHING')
    expect(error.message).toBe('text')
  })

  it('ChildCancelledError extends CancelledError', () => {
    const error = new ChildCancelledError('r')
    expect(error).toBeInstanceOf(CancelledError)
    expect(error.reason).toBe('r')
    expect(isCancellation(error)).toBe(true)
  })

  it('CancelledError.reason is the abort reason, unchanged (same object, any type)', () => {
    const reasons: unknown[] = [new Error('e'), 'text', 42, { a: 1 }, undefined, null, Symbol('s')]
    for (const reason of reasons) expect(new CancelledError(reason).reason).toBe(reason)
  })

  it('TimeoutError.timeoutMs is the deadline, optional', () => {
    expect(new TimeoutError(250).timeoutMs).toBe(250)
    expect(new TimeoutError().timeoutMs).toBeUndefined()
    expect(new TimeoutError(0).timeoutMs).toBe(0)
  })

  it('ServiceNotFoundError from getService lists the registered names, by name and by class', async () => {
    const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
    class Mailer extends Service {}
    class Billing extends Service {}
    class Unknown extends Service {}
    app.addService(Mailer)
    app.addService(Billing)
    for (const key of ['Nope', Unknown] as const) {
      let caught: unknown
      try {
        app.getService(key)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(ServiceNotFoundError)
      const message = (caught as Error).message
      expect(message).toContain(typeof key === 'string' ? key : 'Unknown')
      for (const name of ['TaskService', 'Mailer', 'Billing']) expect(message).toContain(name)
      expect((caught as TsabError).code).toBe('TSAB_SERVICE_NOT_FOUND')
    }
    await app.stop()
  })

  it('DuplicateServiceError for a second service with a name in use', async () => {
    const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
    class A extends Service {}
    class B extends Service {
      static readonly serviceName = 'A'
    }
    app.addService(A)
    expect(() => app.addService(B)).toThrow(DuplicateServiceError)
    expect(() => app.addService(new A(app, 'TaskService'))).toThrow(DuplicateServiceError)
    await app.stop()
  })

  it('DuplicateTaskError from registerTask with an active name carries taskName', async () => {
    const manager = new TaskManager({ logger: createLogger({ level: 'silent' }) })
    manager.registerTask('sync', () => new Promise(() => {}), { delay: 1000 })
    let caught: unknown
    try {
      manager.registerTask('sync', () => 1)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(DuplicateTaskError)
    expect((caught as DuplicateTaskError).taskName).toBe('sync')
    await manager.shutdownTaskManager()
  })

  it('CacheNotFoundError message contains prefix:number', () => {
    expect(new CacheNotFoundError('ping', 42).message).toContain('ping:42')
  })
})

describe('§1 isCancellation()', () => {
  it('is true for CancelledError and its subclass', () => {
    expect(isCancellation(new CancelledError())).toBe(true)
    expect(isCancellation(new ChildCancelledError())).toBe(true)
  })

  it('is true for a DOM AbortError, including the default reason of AbortController.abort()', () => {
    const controller = new AbortController()
    controller.abort()
    expect(isCancellation(controller.signal.reason)).toBe(true)
    expect(isCancellation(new DOMException('stop', 'AbortError'))).toBe(true)
  })

  it('is true for an AbortError thrown by Node itself (timers/promises with an aborted signal)', async () => {
    const { setTimeout: sleepNode } = await import('node:timers/promises')
    const error = await sleepNode(10, undefined, { signal: AbortSignal.abort() }).catch((e: unknown) => e)
    expect(isCancellation(error)).toBe(true)
  })

  it('follows the cause chain, at any depth', () => {
    const deep = new Error('outer', { cause: new Error('middle', { cause: new CancelledError('x') }) })
    expect(isCancellation(deep)).toBe(true)
    expect(isCancellation(new Error('wrap', { cause: new DOMException('a', 'AbortError') }))).toBe(true)
    expect(isCancellation(new AggregateError([], 'agg', { cause: new CancelledError() }))).toBe(true)
  })

  it('is false for other errors, a TimeoutError, a DOM TimeoutError and non-errors', () => {
    expect(isCancellation(new Error('x'))).toBe(false)
    expect(isCancellation(new TimeoutError(5))).toBe(false)
    expect(isCancellation(new DOMException('t', 'TimeoutError'))).toBe(false)
    expect(isCancellation(new Error('x', { cause: new Error('y') }))).toBe(false)
    for (const value of [undefined, null, 0, 'AbortError', true]) expect(isCancellation(value)).toBe(false)
  })

  it('terminates on a cyclic cause chain', () => {
    const a = new Error('a')
    const b = new Error('b', { cause: a })
    ;(a as { cause?: unknown }).cause = b
    expect(isCancellation(a)).toBe(false)
  })
})
