import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CancelledError, TimeoutError } from '../../src/errors/cancellation.js'
import { CacheNotFoundError, InvalidStateError } from '../../src/errors/errors.js'
import { Future } from '../../src/futures/future.js'
import { NumberCache, RandomNumberCache } from '../../src/futures/number-cache.js'
import { RequestCache } from '../../src/futures/request-cache.js'
import type { Logger } from '../../src/logging/logger.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { Level, type LogLine, memoryLogger } from '../support/logs.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()
let clock: TestClock
let logger: Logger
let lines: LogLine[]
let rq: RequestCache

beforeEach(() => {
  clock = new TestClock()
  ;({ logger, lines } = memoryLogger())
  rq = new RequestCache({ clock, logger })
})

afterEach(async () => {
  await rq.shutdown().catch(() => {})
  await turns()
  expect(clock.pending).toBe(0)
  expect(unhandled.splice(0)).toEqual([])
})

/** A test cache with one registered future and a configurable delay and onTimeout. */
class Probe extends NumberCache {
  readonly future = new Future<unknown>()
  timedOut = 0
  delay: unknown = 1000
  failOnTimeout: Error | undefined
  constructor(requestCache: RequestCache, number: number, onTimeoutValue?: unknown, prefix = 'probe') {
    super(requestCache, prefix, number)
    this.registerFuture(this.future, { onTimeout: onTimeoutValue })
  }
  override get timeoutDelay(): number {
    return this.delay as number
  }
  override async onTimeout(): Promise<void> {
    this.timedOut++
    if (this.failOnTimeout) throw this.failOnTimeout
  }
}

class Plain extends NumberCache {}

describe('RequestCache', () => {
  it('is a TaskManager named "RequestCache" by default', () => {
    expect(rq).toBeInstanceOf(TaskManager)
    expect(rq.name).toBe('RequestCache')
    expect(new RequestCache({ name: 'x' }).name).toBe('x')
  })

  describe('add() / has() / get() / size', () => {
    it('stores the cache under prefix:number and returns it', () => {
      const cache = new Probe(rq, 1)
      expect(rq.add(cache)).toBe(cache)
      expect(rq.has('probe', 1)).toBe(true)
      expect(rq.get('probe', 1)).toBe(cache)
      expect(rq.has('probe', 2)).toBe(false)
      expect(rq.get('other', 1)).toBeUndefined()
      expect(rq.size).toBe(1)
      expect(cache.prefix).toBe('probe')
      expect(cache.number).toBe(1)
      expect(cache.requestCache).toBe(rq)
    })

    it('uses a default timeoutDelay of 10 000 ms', async () => {
      const cache = rq.add(new Plain(rq, 'p', 1))!
      expect(cache.timeoutDelay).toBe(10_000)
      await clock.advance(9_999)
      expect(rq.has('p', 1)).toBe(true)
      await clock.advance(1)
      expect(rq.has('p', 1)).toBe(false)
    })

    it('throws RangeError for a timeoutDelay <= 0 or NaN and TypeError for a non-number; nothing is stored', () => {
      for (const bad of [0, -1, Number.NaN, -Infinity]) {
        const cache = new Probe(rq, 1)
        cache.delay = bad
        expect(() => rq.add(cache)).toThrow(RangeError)
      }
      const cache = new Probe(rq, 1)
      cache.delay = '5'
      expect(() => rq.add(cache)).toThrow(TypeError)
      expect(() => rq.add({} as never)).toThrow(TypeError)
      expect(rq.size).toBe(0)
      expect(clock.pending).toBe(0)
    })

    it('takes a timeoutDelay of Infinity as "never times out": no timer is armed, pop() still works', async () => {
      const cache = new Probe(rq, 1)
      cache.delay = Infinity
      expect(rq.add(cache)).toBe(cache)
      expect(clock.pending).toBe(0)
      await clock.advance(2 ** 32)
      expect(rq.has('probe', 1)).toBe(true)
      expect(cache.timedOut).toBe(0)
      expect(cache.future.isDone).toBe(false)
      expect(rq.pop('probe', 1)).toBe(cache)
      cache.future.setResult(1)
    })

    it('never times out a timeoutDelay of Infinity on the real clock either (Node would fire setTimeout(Infinity) at once)', async () => {
      const real = new RequestCache({ logger })
      const cache = new Probe(real, 1)
      cache.delay = Infinity
      real.add(cache)
      await new Promise((resolve) => setTimeout(resolve, 5))
      expect(real.has('probe', 1)).toBe(true)
      expect(cache.timedOut).toBe(0)
      await real.shutdown()
      expect(cache.future.isCancelled).toBe(true)
    })

    it('throws InvalidStateError when constructing a cache whose key is stored', () => {
      rq.add(new Probe(rq, 1))
      expect(() => new Probe(rq, 1)).toThrow(InvalidStateError)
      expect(() => new Probe(rq, 2)).not.toThrow()
    })

    it('returns null, logs an error and leaves the futures pending when the key was stored after construction', async () => {
      const first = new Probe(rq, 1)
      const second = new Probe(rq, 1)
      rq.add(first)
      expect(rq.add(second)).toBeNull()
      expect(rq.get('probe', 1)).toBe(first)
      expect(lines.some((l) => l.level === Level.error && l.cache === 'probe:1')).toBe(true)
      await clock.advance(5000)
      expect(second.future.isDone).toBe(false)
      expect(second.timedOut).toBe(0)
      second.future.cancel()
    })

    it('validates constructor arguments', () => {
      expect(() => new Plain({} as never, 'p', 1)).toThrow(TypeError)
      expect(() => new Plain(rq, 5 as never, 1)).toThrow(TypeError)
      expect(() => new Plain(rq, 'p', 1.5)).toThrow(RangeError)
      expect(() => new Plain(rq, 'p', 1).registerFuture({} as never)).toThrow(TypeError)
    })
  })

  describe('timeouts', () => {
    it('remove the cache, run onTimeout(), then settle the still-pending futures with their onTimeout value', async () => {
      const order: string[] = []
      class Ordered extends Probe {
        override async onTimeout(): Promise<void> {
          order.push(`onTimeout: stored=${rq.has('probe', 1)} pending=${!this.future.isDone}`)
        }
      }
      const cache = rq.add(new Ordered(rq, 1, 'late'))!
      cache.future.addDoneCallback(() => order.push('future settled'))
      await clock.advance(999)
      expect(rq.has('probe', 1)).toBe(true)
      await clock.advance(1)
      expect(order).toEqual(['onTimeout: stored=false pending=true', 'future settled'])
      expect(cache.future.result()).toBe('late')
      expect(rq.size).toBe(0)
    })

    it('resolve with undefined by default and reject when the value is an Error instance', async () => {
      const plain = rq.add(new Probe(rq, 1))!
      const error = new TimeoutError(1000)
      const failing = rq.add(new Probe(rq, 2, error))!
      await clock.advance(1000)
      expect(plain.future.result()).toBeUndefined()
      await expect(failing.future).rejects.toBe(error)
    })

    it('leave futures already settled alone', async () => {
      const cache = rq.add(new Probe(rq, 1, 'timeout'))!
      cache.future.setResult('answered')
      await clock.advance(1000)
      expect(cache.future.result()).toBe('answered')
      expect(cache.timedOut).toBe(1)
    })

    it('log a throwing onTimeout() and still settle its futures; other caches are unaffected', async () => {
      const bad = new Probe(rq, 1, 'x')
      bad.failOnTimeout = new Error('onTimeout broke')
      rq.add(bad)
      const good = rq.add(new Probe(rq, 2, 'y'))!
      await clock.advance(1000)
      expect(bad.future.result()).toBe('x')
      expect(good.future.result()).toBe('y')
      expect(good.timedOut).toBe(1)
      const line = lines.find((l) => l.level === Level.error)
      expect(line?.cache).toBe('probe:1')
      expect(line?.err?.message).toBe('onTimeout broke')
    })

    it('wait for an async onTimeout() before settling the futures', async () => {
      const order: string[] = []
      class Slow extends NumberCache {
        override get timeoutDelay(): number {
          return 10
        }
        override async onTimeout(): Promise<void> {
          await Promise.resolve()
          await Promise.resolve()
          order.push('onTimeout')
        }
      }
      const cache = new Slow(rq, 's', 1)
      const future = new Future<unknown>()
      future.addDoneCallback(() => void order.push('future'))
      cache.registerFuture(future, { onTimeout: 1 })
      rq.add(cache)
      await clock.advance(10)
      expect(order).toEqual(['onTimeout', 'future'])
    })

    it('handle a synchronously throwing onTimeout()', async () => {
      class SyncThrow extends Probe {
        override onTimeout(): Promise<void> {
          throw new Error('sync')
        }
      }
      const cache = rq.add(new SyncThrow(rq, 1, 'v'))!
      await clock.advance(1000)
      expect(cache.future.result()).toBe('v')
    })
  })

  describe('pop()', () => {
    it('removes the cache, disarms its timeout and leaves its futures to the owner', async () => {
      const cache = rq.add(new Probe(rq, 1, 'timeout'))!
      expect(clock.pending).toBe(1)
      expect(rq.pop('probe', 1)).toBe(cache)
      expect(clock.pending).toBe(0)
      expect(rq.has('probe', 1)).toBe(false)
      await clock.advance(5000)
      expect(cache.future.isDone).toBe(false)
      expect(cache.timedOut).toBe(0)
      cache.future.setResult('mine')
    })

    it('throws CacheNotFoundError naming prefix:number when missing', () => {
      expect(() => rq.pop('probe', 9)).toThrow(CacheNotFoundError)
      expect(() => rq.pop('probe', 9)).toThrow('probe:9')
    })
  })

  describe('passthrough()', () => {
    it('makes caches added inside time out after timeoutMs (default 0) instead of their own delay, and returns fn’s result', async () => {
      const result = rq.passthrough(() => {
        rq.add(new Probe(rq, 1, 'fast'))
        return 'r'
      })
      expect(result).toBe('r')
      const slow = rq.add(new Probe(rq, 2, 'slow'))!
      await clock.advance(0)
      expect(rq.has('probe', 1)).toBe(false)
      expect(rq.has('probe', 2)).toBe(true)
      await clock.advance(1000)
      expect(slow.future.result()).toBe('slow')
    })

    it('on the real clock times the cache out on the next macrotask', async () => {
      const real = new RequestCache({ logger })
      const cache = new Probe(real, 1, false)
      cache.delay = 60_000
      real.passthrough(() => real.add(cache))
      expect(await cache.future).toBe(false)
      expect(real.has('probe', 1)).toBe(false)
      await real.shutdown()
    })

    it('nests, restoring the outer value, also after a throw', async () => {
      rq.passthrough(
        () => {
          rq.add(new Probe(rq, 1))
          rq.passthrough(() => rq.add(new Probe(rq, 2)), { timeoutMs: 10 })
          rq.add(new Probe(rq, 3))
          expect(() =>
            rq.passthrough(() => {
              throw new Error('inner')
            }),
          ).toThrow('inner')
          rq.add(new Probe(rq, 4))
        },
        { timeoutMs: 50 },
      )
      await clock.advance(10)
      expect([1, 2, 3, 4].map((n) => rq.has('probe', n))).toEqual([true, false, true, true])
      await clock.advance(40)
      expect(rq.size).toBe(0)
    })

    it('skips the timeoutDelay check and validates its own options', () => {
      const cache = new Probe(rq, 1)
      cache.delay = -1
      expect(rq.passthrough(() => rq.add(cache))).toBe(cache)
      expect(() => rq.passthrough(() => 1, { timeoutMs: -1 })).toThrow(RangeError)
      expect(() => rq.passthrough('x' as never)).toThrow(TypeError)
    })
  })

  describe('waitFor()', () => {
    it('resolves at once when the cache is stored', async () => {
      const cache = rq.add(new Probe(rq, 1))!
      await expect(rq.waitFor('probe', 1)).resolves.toBe(cache)
    })

    it('resolves every waiter on one key when that cache is added', async () => {
      const a = rq.waitFor('probe', 1)
      const b = rq.waitFor('probe', 1)
      const other = rq.waitFor('probe', 2, { timeoutMs: 10 }).catch((e: unknown) => e)
      const cache = rq.add(new Probe(rq, 1))!
      await expect(a).resolves.toBe(cache)
      await expect(b).resolves.toBe(cache)
      await clock.advance(10)
      expect(await other).toBeInstanceOf(TimeoutError)
    })

    it('rejects with TimeoutError after timeoutMs and disarms its timer when resolved first', async () => {
      const waited = rq.waitFor('probe', 1, { timeoutMs: 100 }).catch((e: unknown) => e)
      expect(clock.pending).toBe(1)
      await clock.advance(100)
      const error = await waited
      expect(error).toBeInstanceOf(TimeoutError)
      expect((error as TimeoutError).timeoutMs).toBe(100)
      const resolved = rq.waitFor('probe', 2, { timeoutMs: 100 })
      rq.add(new Probe(rq, 2))
      await resolved
      expect(clock.pending).toBe(1) // only the cache's own timeout
    })

    it('rejects with CancelledError when its signal aborts, and removes its listener', async () => {
      const controller = new AbortController()
      const waited = rq.waitFor('probe', 1, { signal: controller.signal })
      expect(abortListeners(controller.signal)).toBe(1)
      controller.abort('gone')
      const error = await waited.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CancelledError)
      expect((error as CancelledError).reason).toBe('gone')
      expect(abortListeners(controller.signal)).toBe(0)
      const other = new AbortController()
      const ok = rq.waitFor('probe', 2, { signal: other.signal })
      rq.add(new Probe(rq, 2))
      await ok
      expect(abortListeners(other.signal)).toBe(0)
      await expect(rq.waitFor('probe', 3, { signal: AbortSignal.abort('x') })).rejects.toBeInstanceOf(CancelledError)
    })

    it('validates its arguments synchronously', () => {
      expect(() => rq.waitFor(1 as never, 1)).toThrow(TypeError)
      expect(() => rq.waitFor('p', 1, { timeoutMs: -1 })).toThrow(RangeError)
      expect(() => rq.waitFor('p', 1, { signal: {} as never })).toThrow(TypeError)
    })

    it('rejects pending waiters with CancelledError at shutdown, and later calls at once', async () => {
      const waited = rq.waitFor('probe', 1).catch((e: unknown) => e)
      await rq.shutdown()
      expect(await waited).toBeInstanceOf(CancelledError)
      await expect(rq.waitFor('probe', 1)).rejects.toBeInstanceOf(CancelledError)
    })
  })

  describe('clear()', () => {
    it('removes all caches and disarms their timers without settling their futures', async () => {
      const a = rq.add(new Probe(rq, 1))!
      const b = rq.add(new Probe(rq, 2))!
      rq.clear()
      expect(rq.size).toBe(0)
      expect(clock.pending).toBe(0)
      await clock.advance(5000)
      expect(a.future.isDone).toBe(false)
      expect(b.future.isDone).toBe(false)
      await rq.shutdown()
      expect(a.future.isDone).toBe(false) // no longer stored: not cancelled by shutdown either
    })
  })

  describe('shutdown()', () => {
    it('cancels the futures of every stored cache, disarms timers and shuts the TaskManager down', async () => {
      const stored = rq.add(new Probe(rq, 1, 'timeout'))!
      const popped = rq.add(new Probe(rq, 2))!
      rq.pop('probe', 2)
      const task = rq.registerTask('t', (signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason))))
      await rq.shutdown()
      expect(rq.isShutdown).toBe(true)
      expect(stored.future.isCancelled).toBe(true)
      await expect(stored.future).rejects.toBeInstanceOf(CancelledError)
      expect(popped.future.isDone).toBe(false)
      expect(task.state).toBe('cancelled')
      expect(rq.size).toBe(0)
      expect(clock.pending).toBe(0)
      expect(stored.timedOut).toBe(0)
    })

    it('is idempotent and reachable through shutdownTaskManager() and Symbol.asyncDispose', async () => {
      const first = rq.shutdown()
      expect(rq.shutdown()).toBe(first)
      expect(rq.shutdownTaskManager()).toBe(first)
      expect(rq[Symbol.asyncDispose]()).toBe(first)
      await first
    })

    it('waits for a timeout being handled', async () => {
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      class SlowTimeout extends Probe {
        override async onTimeout(): Promise<void> {
          await gate
        }
      }
      const cache = rq.add(new SlowTimeout(rq, 1, 'v'))!
      await clock.advance(1000)
      let done = false
      const shutdown = rq.shutdown().then(() => (done = true))
      await turns()
      expect(done).toBe(false)
      release()
      await shutdown
      expect(cache.future.result()).toBe('v')
    })

    it('makes add() return null and cancel the cache’s futures', async () => {
      await rq.shutdown()
      const cache = new Probe(rq, 1)
      expect(rq.add(cache)).toBeNull()
      expect(cache.future.isCancelled).toBe(true)
      expect(rq.size).toBe(0)
      expect(clock.pending).toBe(0)
    })
  })
})

describe('RandomNumberCache', () => {
  it('picks a free number in [0, 65536)', () => {
    class Query extends RandomNumberCache {
      constructor(requestCache: RequestCache) {
        super(requestCache, 'query')
      }
    }
    const numbers = new Set<number>()
    for (let i = 0; i < 200; i++) {
      const cache = rq.add(new Query(rq))!
      expect(Number.isInteger(cache.number)).toBe(true)
      expect(cache.number).toBeGreaterThanOrEqual(0)
      expect(cache.number).toBeLessThan(65_536)
      numbers.add(cache.number)
    }
    expect(numbers.size).toBe(200)
    rq.clear()
  })

  it('finds the last free number and throws InvalidStateError when none is left', () => {
    const big = new RequestCache({ clock, logger })
    const caches = []
    for (let n = 0; n < 65_536; n++) if (n !== 4321) caches.push(big.add(new Plain(big, 'q', n)))
    const last = new RandomNumberCache(big, 'q')
    expect(last.number).toBe(4321)
    big.add(last)
    expect(() => new RandomNumberCache(big, 'q')).toThrow(InvalidStateError)
    expect(new RandomNumberCache(big, 'other').prefix).toBe('other')
    big.clear()
    return big.shutdown()
  })
})

describe('the IPv8 tutorial example', () => {
  it('ends with future0 resolved true, future1 resolved false, future2 cancelled', async () => {
    class MyCache extends NumberCache {
      readonly awaitable = new Future<boolean>()
      constructor(requestCache: RequestCache, number: number) {
        super(requestCache, 'my cache', number)
        this.registerFuture(this.awaitable, { onTimeout: false })
      }
      override get timeoutDelay(): number {
        return 1000
      }
      finish(): void {
        this.awaitable.setResult(true)
      }
    }
    rq.add(new MyCache(rq, 0))
    rq.passthrough(() => rq.add(new MyCache(rq, 1)))
    rq.add(new MyCache(rq, 2))
    const [c0, c1, c2] = [0, 1, 2].map((n) => rq.get('my cache', n) as MyCache)
    c0!.finish()
    expect(await c0!.awaitable).toBe(true)
    rq.pop('my cache', 0)
    await clock.advance(0)
    expect(await c1!.awaitable).toBe(false)
    await rq.shutdown()
    expect(c2!.awaitable.isCancelled).toBe(true)
  })
})
