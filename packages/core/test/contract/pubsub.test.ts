/**
 * Contract §5 (PubSub) through `@tsab/core`: subscription API, delivery order and snapshot semantics, error
 * isolation, deferred delivery, waitFor, the async subscriber, @subscribe and the Messages names.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import { CancelledError, Messages, PubSub, TimeoutError, subscribe, type Subscriber } from '@tsab/core'
import { TestClock, createTestApplication } from '@tsab/core/testing'
import { turns } from '../support/event-loop.js'
import { Level, memoryLogger } from '../support/logs.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('§5 subscribe / once / unsubscribe / listenerCount', () => {
  it('subscribers are called as callback(message, ...args), synchronously, in subscription order', () => {
    const pubsub = new PubSub()
    const calls: unknown[][] = []
    pubsub.subscribe('A!', (...args) => void calls.push(['first', ...args]))
    pubsub.subscribe('A!', (...args) => void calls.push(['second', ...args]))
    pubsub.subscribe('B!', (...args) => void calls.push(['other', ...args]))
    pubsub.publish('A!', 1, 'two', { three: 3 }, [4], 5)
    expect(calls).toEqual([
      ['first', 'A!', 1, 'two', { three: 3 }, [4], 5],
      ['second', 'A!', 1, 'two', { three: 3 }, [4], 5],
    ])
  })

  it('subscribe() returns the unsubscribe function; once() fires once; unsubscribe() says whether it removed', () => {
    const pubsub = new PubSub()
    const seen: string[] = []
    const off = pubsub.subscribe('M!', () => void seen.push('sub'))
    pubsub.once('M!', () => void seen.push('once'))
    const cb = () => void seen.push('cb')
    pubsub.subscribe('M!', cb)
    expect(pubsub.listenerCount('M!')).toBe(3)
    pubsub.publish('M!')
    expect(pubsub.listenerCount('M!')).toBe(2)
    off()
    off()
    expect(pubsub.unsubscribe('M!', cb)).toBe(true)
    expect(pubsub.unsubscribe('M!', cb)).toBe(false)
    expect(pubsub.unsubscribe('Other!', cb)).toBe(false)
    pubsub.publish('M!')
    expect(seen).toEqual(['sub', 'once', 'cb'])
    expect(pubsub.listenerCount('M!')).toBe(0)
  })

  it('once() returns a disposer that cancels it before it fires', () => {
    const pubsub = new PubSub()
    let fired = false
    const off = pubsub.once('M!', () => void (fired = true))
    off()
    pubsub.publish('M!')
    expect(fired).toBe(false)
  })

  it('subscriptions are strong: an inline lambda keeps receiving after garbage collection', async () => {
    const pubsub = new PubSub()
    let count = 0
    pubsub.subscribe('M!', () => void count++)
    const gc = (globalThis as { gc?: () => void }).gc
    if (gc) gc()
    await turns(1)
    pubsub.publish('M!')
    expect(count).toBe(1)
  })

  it.each([
    ['subscribe', (p: PubSub) => p.subscribe('' as string, () => {}), RangeError],
    ['subscribe', (p: PubSub) => p.subscribe(1 as never, () => {}), TypeError],
    ['subscribe', (p: PubSub) => p.subscribe('M!', 'x' as never), TypeError],
    ['once', (p: PubSub) => p.once('M!', null as never), TypeError],
    ['publish', (p: PubSub) => p.publish(undefined as never), TypeError],
    ['publishDeferred', (p: PubSub) => p.publishDeferred('' as string), RangeError],
    ['waitFor', (p: PubSub) => p.waitFor('M!', { timeoutMs: -1 }), RangeError],
    ['waitFor', (p: PubSub) => p.waitFor('M!', { signal: 'x' as never }), TypeError],
    ['subscribeAll', (p: PubSub) => p.subscribeAll(null as never), TypeError],
    ['listenerCount', (p: PubSub) => p.listenerCount(3 as never), TypeError],
  ])('%s() with bad input throws synchronously with the standard message; nothing subscribed', (_name, call, Kind) => {
    const pubsub = new PubSub()
    expect(() => call(pubsub)).toThrow(Kind)
    expect(() => call(pubsub)).toThrow(/^Expected `[^`]+` to be .+, got .+/)
    expect(pubsub.listenerCount('M!')).toBe(0)
  })
})

describe('§5 error isolation', () => {
  it('a throwing subscriber is logged with the message name and the others still run; publish does not throw', () => {
    const { logger, lines } = memoryLogger()
    const pubsub = new PubSub({ logger })
    const seen: string[] = []
    pubsub.subscribe('Boom!', () => {
      throw new Error('bad subscriber')
    })
    pubsub.subscribe('Boom!', () => void seen.push('second'))
    expect(() => pubsub.publish('Boom!')).not.toThrow()
    expect(seen).toEqual(['second'])
    const error = lines.find((l) => l.level === Level.error)
    expect(JSON.stringify(error)).toContain('Boom!')
    expect(JSON.stringify(error)).toContain('bad subscriber')
  })

  it('a rejected async subscriber is logged, never an unhandled rejection', async () => {
    const { logger, lines } = memoryLogger()
    const pubsub = new PubSub({ logger })
    pubsub.subscribe('Async!', async () => {
      throw new Error('async bad')
    })
    pubsub.publish('Async!')
    await turns(2)
    const error = lines.find((l) => l.level === Level.error)
    expect(JSON.stringify(error)).toContain('Async!')
    expect(JSON.stringify(error)).toContain('async bad')
  })

  it('the app PubSub logs failing subscribers through the app logger', async () => {
    const { logger, lines } = memoryLogger()
    const app = await createTestApplication({ logger })
    app.pubsub.subscribe('X!', () => {
      throw new Error('in app')
    })
    app.pubsub.publish('X!')
    expect(lines.some((l) => l.level === Level.error && JSON.stringify(l).includes('X!'))).toBe(true)
    await app.stop()
  })
})

describe('§5 (un)subscribing during a publish does not change who receives that message', () => {
  it('a subscriber added during the publish does not receive the in-flight message, but receives the next', () => {
    const pubsub = new PubSub()
    const seen: string[] = []
    pubsub.subscribe('M!', (_m, n: number) => {
      seen.push(`a${n}`)
      if (n === 1) pubsub.subscribe('M!', (_m2, k: number) => void seen.push(`late${k}`))
    })
    pubsub.publish('M!', 1)
    pubsub.publish('M!', 2)
    expect(seen).toEqual(['a1', 'a2', 'late2'])
  })

  it('a subscriber removed during the publish still receives the in-flight message, not the next', () => {
    const pubsub = new PubSub()
    const seen: string[] = []
    let offB = () => {}
    pubsub.subscribe('M!', (_m, n: number) => {
      seen.push(`a${n}`)
      offB()
    })
    offB = pubsub.subscribe('M!', (_m, n: number) => void seen.push(`b${n}`))
    pubsub.publish('M!', 1)
    pubsub.publish('M!', 2)
    expect(seen).toEqual(['a1', 'b1', 'a2'])
  })

  it('a once() subscriber added during a publish of the same message waits for the next one', () => {
    const pubsub = new PubSub()
    const seen: number[] = []
    pubsub.once('M!', () => void pubsub.once('M!', (_m, n: number) => void seen.push(n)))
    pubsub.publish('M!', 1)
    pubsub.publish('M!', 2)
    pubsub.publish('M!', 3)
    expect(seen).toEqual([2])
  })
})

describe('§5 publishDeferred', () => {
  it('delivers on a later macrotask (not synchronously, not in promise jobs), with the arguments', async () => {
    const pubsub = new PubSub()
    const seen: unknown[][] = []
    pubsub.subscribe('Later!', (...args) => void seen.push(args))
    pubsub.publishDeferred('Later!', 1, 2)
    expect(seen).toEqual([])
    for (let i = 0; i < 10; i++) await Promise.resolve()
    expect(seen).toEqual([])
    await turns(2)
    expect(seen).toEqual([['Later!', 1, 2]])
  })
})

describe('§5 waitFor', () => {
  it('resolves with the args of the next publish (without the message name)', async () => {
    const pubsub = new PubSub()
    const waiting = pubsub.waitFor('Job.done!')
    pubsub.publish('Job.done!', 'id-1', { ok: true })
    expect(await waiting).toEqual(['id-1', { ok: true }])
    expect(pubsub.listenerCount('Job.done!')).toBe(0)
  })

  it('timeoutMs rejects with TimeoutError carrying timeoutMs, on the clock it was given; cleans up', async () => {
    const clock = new TestClock()
    const pubsub = new PubSub({ clock })
    const waiting = pubsub.waitFor('Never!', { timeoutMs: 300 })
    const outcome = waiting.catch((e: unknown) => e)
    await clock.advance(299)
    expect(clock.pending).toBe(1)
    await clock.advance(1)
    const error = await outcome
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).timeoutMs).toBe(300)
    expect(pubsub.listenerCount('Never!')).toBe(0)
    expect(clock.pending).toBe(0)
  })

  it('the app PubSub waits on the app clock', async () => {
    const clock = new TestClock()
    const app = await createTestApplication({ clock })
    const outcome = app.pubsub.waitFor('Never!', { timeoutMs: 50 }).catch((e: unknown) => e)
    await clock.advance(50)
    expect(await outcome).toBeInstanceOf(TimeoutError)
    await app.stop()
  })

  it('aborting the signal rejects with CancelledError whose reason is the abort reason unchanged', async () => {
    const pubsub = new PubSub()
    const controller = new AbortController()
    const reason = new Error('go away')
    const outcome = pubsub.waitFor('Never!', { signal: controller.signal }).catch((e: unknown) => e)
    controller.abort(reason)
    const error = await outcome
    expect(error).toBeInstanceOf(CancelledError)
    expect((error as CancelledError).reason).toBe(reason)
    expect(pubsub.listenerCount('Never!')).toBe(0)
    const already = await pubsub.waitFor('Never!', { signal: AbortSignal.abort('x') }).catch((e: unknown) => e)
    expect((already as CancelledError).reason).toBe('x')
  })
})

describe('§5 subscriber() async iterator', () => {
  it('yields [message, ...args] for each of its messages, in order; close() unsubscribes and ends it', async () => {
    const pubsub = new PubSub()
    const iterator = pubsub.subscriber('A!', 'B!')
    expect(pubsub.listenerCount('A!')).toBe(1)
    pubsub.publish('A!', 1)
    pubsub.publish('C!', 0)
    pubsub.publish('B!', 2, 3)
    expect(await iterator.next()).toEqual({ done: false, value: ['A!', 1] })
    expect(await iterator.next()).toEqual({ done: false, value: ['B!', 2, 3] })
    const pending = iterator.next()
    iterator.close()
    expect(await pending).toEqual({ done: true, value: undefined })
    expect(pubsub.listenerCount('A!') + pubsub.listenerCount('B!')).toBe(0)
  })

  it('works with for await … break', async () => {
    const pubsub = new PubSub()
    const iterator = pubsub.subscriber('T!')
    setImmediate(() => {
      pubsub.publish('T!', 1)
      pubsub.publish('T!', 2)
    })
    const got: unknown[] = []
    for await (const [, n] of iterator) {
      got.push(n)
      if (n === 2) break
    }
    expect(got).toEqual([1, 2])
    expect(pubsub.listenerCount('T!')).toBe(0)
  })
})

describe('§5 @subscribe and subscribeAll', () => {
  it('subscribes decorated methods (stackable) bound to the target; the disposer removes them all', () => {
    class Listener {
      seen: string[] = []
      @subscribe(Messages.ApplicationTick)
      @subscribe(Messages.ApplicationExit)
      onEither(message: string) {
        this.seen.push(message)
      }
      @subscribe(Messages.ApplicationTick)
      second(message: string, n: number) {
        this.seen.push(`second:${message}:${n}`)
      }
    }
    const pubsub = new PubSub()
    const listener = new Listener()
    const off = pubsub.subscribeAll(listener)
    pubsub.publish(Messages.ApplicationTick, 1)
    pubsub.publish(Messages.ApplicationExit)
    off()
    pubsub.publish(Messages.ApplicationTick, 2)
    expect(listener.seen.sort()).toEqual(['Application.exit!', 'Application.tick!', 'second:Application.tick!:1'])
    expect(pubsub.listenerCount(Messages.ApplicationTick)).toBe(0)
  })

  it('works for a Service subscribing itself to the app PubSub', async () => {
    const clock = new TestClock()
    const app = await createTestApplication({ clock, tickPeriodMs: 10 })
    class Counter {
      ticks = 0
      @subscribe(Messages.ApplicationTick)
      tick() {
        this.ticks++
      }
    }
    const counter = new Counter()
    const off = app.pubsub.subscribeAll(counter)
    await clock.advance(30)
    off()
    expect(counter.ticks).toBe(3)
    await app.stop()
  })
})

describe('§5 Messages', () => {
  it('has the contract names', () => {
    expect(Messages).toMatchObject({
      ApplicationInit: 'Application.init!',
      ApplicationRun: 'Application.run!',
      ApplicationStop: 'Application.stop!',
      ApplicationExit: 'Application.exit!',
      ApplicationHup: 'Application.hup!',
      ApplicationTick: 'Application.tick!',
      ApplicationTick10: 'Application.tick/10!',
      ApplicationTick60: 'Application.tick/60!',
      ApplicationTick300: 'Application.tick/300!',
      ApplicationTick600: 'Application.tick/600!',
      ApplicationTick1800: 'Application.tick/1800!',
      ApplicationTick3600: 'Application.tick/3600!',
      ApplicationTick43200: 'Application.tick/43200!',
      ApplicationTick86400: 'Application.tick/86400!',
      TaskDone: 'TaskService.task_done!',
    })
  })
})

describe('§5 signatures', () => {
  it('match the contract', () => {
    // The contract writes `void | Promise<void>`; `unknown` also accepts lambdas that return a value (`() => n++`).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expectTypeOf<Subscriber>().toEqualTypeOf<(message: string, ...args: any[]) => unknown>()
    expectTypeOf<PubSub['subscribe']>().toEqualTypeOf<(message: string, callback: Subscriber) => () => void>()
    expectTypeOf<PubSub['once']>().toEqualTypeOf<(message: string, callback: Subscriber) => () => void>()
    expectTypeOf<PubSub['unsubscribe']>().toEqualTypeOf<(message: string, callback: Subscriber) => boolean>()
    expectTypeOf<PubSub['subscribeAll']>().toEqualTypeOf<(target: object) => () => void>()
    expectTypeOf<PubSub['publish']>().toEqualTypeOf<(message: string, ...args: unknown[]) => void>()
    expectTypeOf<PubSub['publishDeferred']>().toEqualTypeOf<(message: string, ...args: unknown[]) => void>()
    expectTypeOf<PubSub['listenerCount']>().toEqualTypeOf<(message: string) => number>()
    expectTypeOf<ReturnType<PubSub['waitFor']>>().toEqualTypeOf<Promise<unknown[]>>()
    expectTypeOf<Parameters<PubSub['waitFor']>[1]>().toMatchTypeOf<{ signal?: AbortSignal; timeoutMs?: number } | undefined>()
    expectTypeOf(subscribe).toEqualTypeOf<(message: string) => MethodDecorator>()
    expectTypeOf(Messages.TaskDone).toEqualTypeOf<'TaskService.task_done!'>()
    expectTypeOf(Messages.ApplicationTick86400).toEqualTypeOf<'Application.tick/86400!'>()
  })
})
