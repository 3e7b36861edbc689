/**
 * Contract §7 (Future, NumberCache, RandomNumberCache, RequestCache), black-box through `@tsab/core` and
 * `@tsab/core/testing` only; time on a TestClock, plus one check of passthrough on the real clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CacheNotFoundError,
  CancelledError,
  Future,
  InvalidStateError,
  NumberCache,
  RandomNumberCache,
  RequestCache,
  TaskManager,
  TimeoutError,
  TsabError,
  type Logger,
} from '@tsab/core'
import { TestClock } from '@tsab/core/testing'
import { turns } from '../support/event-loop.js'
import { type LogLine, memoryLogger, silentLogger } from '../support/logs.js'
import { peek } from '../support/promises.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()
let clock: TestClock
let logger: Logger
let lines: LogLine[]
let rc: RequestCache

beforeEach(() => {
  clock = new TestClock()
  ;({ logger, lines } = memoryLogger())
  rc = new RequestCache({ clock, logger })
})

afterEach(async () => {
  await rc.shutdown().catch(() => {})
  await turns()
  expect(clock.pending).toBe(0)
  expect(unhandled.splice(0)).toEqual([])
})

/** A cache with a configurable delay and an onTimeout() that records what it saw. */
class Probe extends NumberCache {
  seen: Array<{ stored: boolean }> = []
  constructor(requestCache: RequestCache, number: number, readonly delay: unknown = 1_000, prefix = 'probe') {
    super(requestCache, prefix, number)
  }
  override get timeoutDelay(): number {
    return this.delay as number
  }
  override onTimeout(): void {
    this.seen.push({ stored: this.requestCacheHas() })
  }
  requestCacheHas = (): boolean => false
}

describe('§7 Future', () => {
  it('setResult → awaitable, result(), exception() undefined, isDone; setResult twice → InvalidStateError', async () => {
    const f = new Future<number>()
    expect(f.isDone).toBe(false)
    expect(() => f.result()).toThrow(InvalidStateError)
    expect(() => f.exception()).toThrow(InvalidStateError)
    f.setResult(3)
    expect(f.isDone).toBe(true)
    expect(f.isCancelled).toBe(false)
    expect(await f).toBe(3)
    expect(f.result()).toBe(3)
    expect(f.exception()).toBeUndefined()
    expect(() => f.setResult(4)).toThrow(InvalidStateError)
    expect(() => f.setException(new Error('late'))).toThrow(InvalidStateError)
    expect(f.cancel()).toBe(false)
    expect(f.result()).toBe(3)
  })

  it('setException → await rejects with it, result() throws it, exception() returns it; never unhandled', async () => {
    const err = new Error('bad')
    const ignored = new Future<number>()
    ignored.setException(new Error('nobody awaits me'))
    const f = new Future<number>()
    f.setException(err)
    await expect(f).rejects.toBe(err)
    expect(() => f.result()).toThrow(err)
    expect(f.exception()).toBe(err)
    await turns()
  })

  it('cancel(reason): await rejects CancelledError with the reason unchanged; result() and exception() throw it', async () => {
    const reason = { why: 'bye' }
    const f = new Future<string>()
    const early = Promise.resolve(f).catch((e: unknown) => e)
    expect(f.cancel(reason)).toBe(true)
    expect(f.cancel()).toBe(false)
    expect(f.isCancelled).toBe(true)
    expect(f.isDone).toBe(true)
    const error = await early
    expect(error).toBeInstanceOf(CancelledError)
    expect((error as CancelledError).reason).toBe(reason)
    let fromResult: unknown
    try { f.result() } catch (e) { fromResult = e }
    let fromException: unknown
    try { f.exception() } catch (e) { fromException = e }
    expect(fromResult).toBeInstanceOf(CancelledError)
    expect(fromException).toBeInstanceOf(CancelledError)
    expect((fromException as CancelledError).reason).toBe(reason)
    expect(() => f.setResult('x')).toThrow(InvalidStateError)
    new Future().cancel('never awaited') // no unhandled rejection
    await turns()
  })

  it('addDoneCallback gets the future, also when added after done; then() chains like a promise', async () => {
    const f = new Future<number>()
    const seen: Array<Future<number>> = []
    f.addDoneCallback((x) => void seen.push(x))
    f.setResult(1)
    f.addDoneCallback((x) => void seen.push(x))
    await turns()
    expect(seen).toEqual([f, f])
    expect(await f.then((v) => v + 1)).toBe(2)
  })
})

describe('§7 NumberCache and RandomNumberCache', () => {
  it('has prefix and number; timeoutDelay defaults to 10000 ms; onTimeout does nothing by default', async () => {
    class Plain extends NumberCache {}
    const c = new Plain(rc, 'plain', 5)
    expect([c.prefix, c.number, c.timeoutDelay]).toEqual(['plain', 5, 10_000])
    const f = new Future<unknown>()
    c.registerFuture(f)
    expect(rc.add(c)).toBe(c)
    await clock.advance(9_999)
    expect(rc.has('plain', 5)).toBe(true)
    await clock.advance(1)
    expect(rc.has('plain', 5)).toBe(false)
    expect(f.isDone).toBe(true)
    expect(f.result()).toBeUndefined()
  })

  it('constructing a cache whose prefix:number is stored throws InvalidStateError', () => {
    rc.add(new Probe(rc, 1))
    expect(() => new Probe(rc, 1)).toThrow(InvalidStateError)
    expect(() => new Probe(rc, 1)).toThrow(TsabError)
  })

  it('RandomNumberCache picks an integer in [0, 65536) that is not stored under its prefix', () => {
    class R extends RandomNumberCache {
      constructor(requestCache: RequestCache) { super(requestCache, 'rnd') }
    }
    const numbers = new Set<number>()
    for (let i = 0; i < 300; i++) {
      const c = rc.add(new R(rc))!
      expect(Number.isInteger(c.number) && c.number >= 0 && c.number < 65_536).toBe(true)
      expect(c.prefix).toBe('rnd')
      numbers.add(c.number)
    }
    expect(numbers.size).toBe(300)
    expect(rc.size).toBe(300)
  })
})

describe('§7 RequestCache', () => {
  it('is a TaskManager', () => {
    expect(rc).toBeInstanceOf(TaskManager)
  })

  it('on timeout: removes the cache, runs onTimeout(), then settles pending futures with their onTimeout value', async () => {
    const c = new Probe(rc, 1, 100)
    c.requestCacheHas = () => rc.has('probe', 1)
    const resolved = new Future<unknown>()
    const rejected = new Future<unknown>()
    const plain = new Future<unknown>()
    const done = new Future<unknown>()
    const orderAtTimeout: boolean[] = []
    const boom = new Error('timed out')
    c.registerFuture(resolved, { onTimeout: 'late' })
    c.registerFuture(rejected, { onTimeout: boom })
    c.registerFuture(plain)
    c.registerFuture(done, { onTimeout: 'never used' })
    const origOnTimeout = c.onTimeout.bind(c)
    c.onTimeout = () => { orderAtTimeout.push(resolved.isDone); origOnTimeout() }
    done.setResult('mine')
    expect(rc.add(c)).toBe(c)
    expect(rc.get('probe', 1)).toBe(c)
    expect(rc.size).toBe(1)
    await clock.advance(99)
    expect(resolved.isDone).toBe(false)
    await clock.advance(1)
    expect(c.seen).toEqual([{ stored: false }])
    expect(orderAtTimeout).toEqual([false])
    expect(await resolved).toBe('late')
    await expect(rejected).rejects.toBe(boom)
    expect(plain.result()).toBeUndefined()
    expect(done.result()).toBe('mine')
    expect(rc.size).toBe(0)
  })

  it('an async onTimeout() runs before the futures are settled', async () => {
    const order: string[] = []
    class Slow extends NumberCache {
      override get timeoutDelay(): number { return 10 }
      override async onTimeout(): Promise<void> { await Promise.resolve(); await Promise.resolve(); order.push('onTimeout') }
    }
    const c = new Slow(rc, 's', 1)
    const f = new Future<unknown>()
    f.addDoneCallback(() => void order.push('future'))
    c.registerFuture(f, { onTimeout: 1 })
    rc.add(c)
    await clock.advance(10)
    expect(order).toEqual(['onTimeout', 'future'])
  })

  it('pop removes the cache, disarms its timeout and leaves its futures pending; missing → CacheNotFoundError with prefix:number', async () => {
    const c = new Probe(rc, 7)
    const f = new Future<unknown>()
    c.registerFuture(f, { onTimeout: 1 })
    rc.add(c)
    const before = clock.pending
    expect(rc.pop('probe', 7)).toBe(c)
    expect(clock.pending).toBe(before - 1)
    await clock.advance(5_000)
    expect(f.isDone).toBe(false)
    expect(c.seen).toEqual([])
    let error: unknown
    try { rc.pop('probe', 7) } catch (e) { error = e }
    expect(error).toBeInstanceOf(CacheNotFoundError)
    expect(error).toBeInstanceOf(TsabError)
    expect((error as Error).message).toContain('probe:7')
    f.cancel()
  })

  it.each([
    [0, RangeError],
    [-1, RangeError],
    [Number.NaN, RangeError],
    ['100', TypeError],
    [null, TypeError],
  ])('add with timeoutDelay %s throws %o and stores nothing', (delay, Err) => {
    const c = new Probe(rc, 3, delay)
    expect(() => rc.add(c)).toThrow(Err)
    expect(rc.has('probe', 3)).toBe(false)
    expect(rc.size).toBe(0)
    expect(clock.pending).toBe(0)
    expect(rc.add(new Probe(rc, 3))).not.toBeNull() // the key is free
  })

  it('a cache whose key was stored after it was constructed: add returns null, logs an error, futures stay pending', async () => {
    const late = new Probe(rc, 9)
    const f = new Future<unknown>()
    late.registerFuture(f, { onTimeout: 'x' })
    const first = new Probe(rc, 9)
    expect(rc.add(first)).toBe(first)
    expect(rc.add(late)).toBeNull()
    expect(rc.get('probe', 9)).toBe(first)
    expect(lines.some((l) => l.level === 50 && JSON.stringify(l).includes('probe:9'))).toBe(true)
    await clock.advance(10_000)
    expect(f.isDone).toBe(false)
    f.cancel()
  })

  it('shutdown() cancels the futures of every stored cache; add afterwards returns null and cancels its futures', async () => {
    const c = new Probe(rc, 1)
    const f = new Future<unknown>()
    c.registerFuture(f, { onTimeout: 1 })
    rc.add(c)
    const after = new Probe(rc, 2)
    const g = new Future<unknown>()
    after.registerFuture(g)
    await rc.shutdown()
    expect(f.isCancelled).toBe(true)
    expect(rc.size).toBe(0)
    expect(clock.pending).toBe(0)
    expect(rc.add(after)).toBeNull()
    expect(g.isCancelled).toBe(true)
    await expect(g).rejects.toBeInstanceOf(CancelledError)
    expect(() => g.exception()).toThrow(CancelledError)
  })

  it('passthrough: caches added inside time out after timeoutMs (default 0) instead of their own delay; nested calls restore', async () => {
    const value = rc.passthrough(() => {
      rc.add(new Probe(rc, 1, 60_000))
      rc.passthrough(() => void rc.add(new Probe(rc, 2, 60_000)), { timeoutMs: 50 })
      rc.add(new Probe(rc, 3, 60_000))
      return 'fn value'
    })
    expect(value).toBe('fn value')
    rc.add(new Probe(rc, 4, 60_000))
    await clock.advance(0)
    expect([1, 2, 3, 4].map((n) => rc.has('probe', n))).toEqual([false, true, false, true])
    await clock.advance(50)
    expect([2, 4].map((n) => rc.has('probe', n))).toEqual([false, true])
    // after a throw the outer value is restored too
    expect(() => rc.passthrough(() => { throw new Error('inner') })).toThrow('inner')
    rc.add(new Probe(rc, 5, 60_000))
    await clock.advance(100)
    expect(rc.has('probe', 5)).toBe(true)
  })

  it('passthrough on the real clock: the cache is gone after the next macrotask', async () => {
    const real = new RequestCache({ logger: silentLogger() })
    const f = new Future<unknown>()
    real.passthrough(() => {
      const c = new Probe(real, 1, 60_000)
      c.registerFuture(f, { onTimeout: false })
      real.add(c)
    })
    expect(await f).toBe(false)
    expect(real.has('probe', 1)).toBe(false)
    await real.shutdown()
  })

  it('waitFor resolves when the cache is added (or at once), rejects TimeoutError / CancelledError', async () => {
    const waiting = rc.waitFor('probe', 1)
    const c = rc.add(new Probe(rc, 1))
    expect(await waiting).toBe(c)
    expect(await rc.waitFor('probe', 1)).toBe(c)
    const timed = rc.waitFor('probe', 2, { timeoutMs: 100 }).catch((e: unknown) => e)
    await clock.advance(99)
    expect((await peek(timed)).state).toBe('pending')
    await clock.advance(1)
    const error = await timed
    expect(error).toBeInstanceOf(TimeoutError)
    const controller = new AbortController()
    const aborted = rc.waitFor('probe', 3, { signal: controller.signal })
    controller.abort('mine')
    const e2 = await aborted.catch((e: unknown) => e)
    expect(e2).toBeInstanceOf(CancelledError)
    expect((e2 as CancelledError).reason).toBe('mine')
  })

  it('clear() removes every cache and disarms its timeout', async () => {
    rc.add(new Probe(rc, 1))
    rc.add(new Probe(rc, 2))
    rc.clear()
    expect(rc.size).toBe(0)
    expect(clock.pending).toBe(0)
  })

  it('IPv8 tutorial: future0 resolved true, future1 resolved false, future2 cancelled', async () => {
    class MyCache extends RandomNumberCache {
      constructor(requestCache: RequestCache, readonly future: Future<boolean>) {
        super(requestCache, 'my-cache')
        this.registerFuture(future, { onTimeout: false })
      }
      override get timeoutDelay(): number { return 5_000 }
    }
    const future0 = new Future<boolean>()
    const future1 = new Future<boolean>()
    const future2 = new Future<boolean>()
    const c0 = rc.add(new MyCache(rc, future0))!
    rc.passthrough(() => rc.add(new MyCache(rc, future1)))
    rc.add(new MyCache(rc, future2))
    ;(rc.pop('my-cache', c0.number) as MyCache).future.setResult(true)
    await clock.advance(0)
    await rc.shutdown()
    expect(future0.result()).toBe(true)
    expect(future1.result()).toBe(false)
    expect(future2.isCancelled).toBe(true)
    expect((await peek(future2)).state).toBe('rejected')
  })
})
