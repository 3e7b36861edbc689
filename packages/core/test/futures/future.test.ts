import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import { CancelledError } from '../../src/errors/cancellation.js'
import { InvalidStateError } from '../../src/errors/errors.js'
import { Future } from '../../src/futures/future.js'
import { turns } from '../support/event-loop.js'
import { Level, memoryLogger } from '../support/logs.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()

afterEach(async () => {
  await turns()
  expect(unhandled.splice(0)).toEqual([])
})

describe('Future', () => {
  it('is pending until a result is set, then awaitable and readable', async () => {
    const future = new Future<number>()
    expect(future.isDone).toBe(false)
    expect(future.isCancelled).toBe(false)
    setTimeout(() => future.setResult(42), 1)
    expect(await future).toBe(42)
    expect(future.isDone).toBe(true)
    expect(future.result()).toBe(42)
    expect(future.exception()).toBeUndefined()
  })

  it('resolves awaits made after it is done', async () => {
    const future = new Future<string>()
    future.setResult('x')
    expect(await future).toBe('x')
    await expect(future.then((v) => v.toUpperCase())).resolves.toBe('X')
  })

  it('setException: awaiting rejects, result() throws it, exception() returns it', async () => {
    const future = new Future<number>()
    const error = new Error('bad')
    future.setException(error)
    expect(future.isDone).toBe(true)
    expect(future.isCancelled).toBe(false)
    await expect(future).rejects.toBe(error)
    expect(() => future.result()).toThrow(error)
    expect(future.exception()).toBe(error)
  })

  it('cancel(reason): awaiting rejects with CancelledError carrying the reason; result() and exception() throw it', async () => {
    const future = new Future<number>()
    const reason = { why: 'stop' }
    expect(future.cancel(reason)).toBe(true)
    expect(future.isDone).toBe(true)
    expect(future.isCancelled).toBe(true)
    const error = await Promise.resolve(future).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CancelledError)
    expect((error as CancelledError).reason).toBe(reason)
    expect(() => future.result()).toThrow(CancelledError)
    expect(() => future.exception()).toThrow(CancelledError)
    let thrown: unknown
    try {
      future.exception()
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBe(error)
  })

  it('cancel() returns false and changes nothing once done', () => {
    const future = new Future<number>()
    future.setResult(1)
    expect(future.cancel()).toBe(false)
    expect(future.isCancelled).toBe(false)
    expect(future.result()).toBe(1)
    const failed = new Future<number>()
    failed.setException(new Error('x'))
    expect(failed.cancel()).toBe(false)
  })

  it('throws InvalidStateError on misuse', () => {
    const future = new Future<number>()
    expect(() => future.result()).toThrow(InvalidStateError)
    expect(() => future.exception()).toThrow(InvalidStateError)
    future.setResult(1)
    expect(() => future.setResult(2)).toThrow(InvalidStateError)
    expect(() => future.setException(new Error('late'))).toThrow(InvalidStateError)
    expect(future.result()).toBe(1)
    const cancelled = new Future<number>()
    cancelled.cancel()
    expect(() => cancelled.setResult(1)).toThrow(InvalidStateError)
    try {
      cancelled.setResult(1)
    } catch (e) {
      expect((e as InvalidStateError).code).toBe('TSAB_INVALID_STATE')
    }
  })

  it('never causes an unhandled rejection when it fails and nobody awaits it', async () => {
    const future = new Future<number>()
    void future.then(() => 1, () => 2) // someone attached and handled
    future.setException(new Error('ignored'))
    const other = new Future<number>()
    other.setException(new Error('never read'))
    const cancelled = new Future<number>()
    cancelled.cancel()
    await turns()
    expect(unhandled).toEqual([])
  })

  describe('addDoneCallback()', () => {
    it('runs callbacks soon after done (on a microtask, not synchronously), in the order added', async () => {
      const future = new Future<number>()
      const calls: string[] = []
      future.addDoneCallback((f) => calls.push(`a:${f.result()}`))
      future.addDoneCallback((f) => calls.push(`b:${f.result()}`))
      future.setResult(7)
      expect(calls).toEqual([])
      await Promise.resolve()
      expect(calls).toEqual(['a:7', 'b:7'])
    })

    it('schedules a callback added after done, too', async () => {
      const future = new Future<number>()
      future.cancel()
      const calls: boolean[] = []
      future.addDoneCallback((f) => calls.push(f.isCancelled))
      expect(calls).toEqual([])
      await Promise.resolve()
      expect(calls).toEqual([true])
    })

    it('passes the future itself and runs once', async () => {
      const future = new Future<string>()
      const seen: Array<Future<string>> = []
      future.addDoneCallback((f) => seen.push(f))
      future.setException(new Error('x'))
      await turns(1)
      expect(seen).toEqual([future])
    })

    it('logs a throwing callback and still runs the others, without unhandled errors', async () => {
      const { logger, lines } = memoryLogger()
      const future = new Future<number>({ logger })
      const calls: string[] = []
      future.addDoneCallback(() => {
        throw new Error('callback broke')
      })
      future.addDoneCallback(() => calls.push('second'))
      future.setResult(1)
      await turns(1)
      expect(calls).toEqual(['second'])
      expect(lines.find((l) => l.level === Level.error)?.err?.message).toBe('callback broke')
    })

    it('throws TypeError for a non-function', () => {
      expect(() => new Future().addDoneCallback('x' as never)).toThrow(TypeError)
    })
  })

  it('is typed like a PromiseLike', async () => {
    const future = new Future<number>()
    expectTypeOf(future).toMatchTypeOf<PromiseLike<number>>()
    future.setResult(1)
    const value = await future
    expectTypeOf(value).toEqualTypeOf<number>()
    expect(await future.then((v) => v + 1)).toBe(2) // then() chains like a promise's
  })
})
