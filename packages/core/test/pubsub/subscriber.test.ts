import { describe, expect, it } from 'vitest'
import { yieldMacrotask } from '../../src/internal/macrotask.js'
import { PubSub } from '../../src/pubsub/pubsub.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('PubSub.subscriber()', () => {
  it('yields [message, ...args] tuples in publish order, buffering what nobody waited for', async () => {
    const pubsub = new PubSub()
    const events = pubsub.subscriber('A!', 'B!')
    pubsub.publish('A!', 1)
    pubsub.publish('Other!', 'ignored')
    pubsub.publish('B!', 2, 'two')
    pubsub.publish('A!')
    expect(await events.next()).toEqual({ done: false, value: ['A!', 1] })
    expect(await events.next()).toEqual({ done: false, value: ['B!', 2, 'two'] })
    expect(await events.next()).toEqual({ done: false, value: ['A!'] })
    events.close()
  })

  it('resolves a pending next() with the next publish, and several pending next() calls in order', async () => {
    const pubsub = new PubSub()
    const events = pubsub.subscriber('A!')
    const first = events.next()
    const second = events.next()
    pubsub.publish('A!', 1)
    pubsub.publish('A!', 2)
    pubsub.publish('A!', 3)
    expect(await first).toEqual({ done: false, value: ['A!', 1] })
    expect(await second).toEqual({ done: false, value: ['A!', 2] })
    expect(await events.next()).toEqual({ done: false, value: ['A!', 3] })
    events.close()
  })

  it('buffers without limit (and keeps order across buffer compaction)', async () => {
    const pubsub = new PubSub()
    const events = pubsub.subscriber('N!')
    for (let i = 0; i < 5000; i++) pubsub.publish('N!', i)
    const seen: number[] = []
    for (let i = 0; i < 3000; i++) seen.push((await events.next()).value![1] as number)
    for (let i = 5000; i < 6000; i++) pubsub.publish('N!', i)
    for (let i = 0; i < 3000; i++) seen.push((await events.next()).value![1] as number)
    expect(seen).toEqual(Array.from({ length: 6000 }, (_, i) => i))
    events.close()
  })

  it('subscribes once per message name and unsubscribes on close()', () => {
    const pubsub = new PubSub()
    const events = pubsub.subscriber('A!', 'B!')
    expect(pubsub.listenerCount('A!')).toBe(1)
    expect(pubsub.listenerCount('B!')).toBe(1)
    events.close()
    events.close() // idempotent
    expect(pubsub.listenerCount('A!')).toBe(0)
    expect(pubsub.listenerCount('B!')).toBe(0)
  })

  it('ends pending next() calls with { done: true } on close()', async () => {
    const pubsub = new PubSub()
    const events = pubsub.subscriber('A!')
    const pending = [events.next(), events.next()]
    events.close()
    expect(await Promise.all(pending)).toEqual([
      { done: true, value: undefined },
      { done: true, value: undefined },
    ])
    expect(await events.next()).toEqual({ done: true, value: undefined })
  })

  it('drops buffered messages on close() and ignores later publishes', async () => {
    const pubsub = new PubSub()
    const events = pubsub.subscriber('A!')
    pubsub.publish('A!', 1)
    events.close()
    pubsub.publish('A!', 2)
    expect(await events.next()).toEqual({ done: true, value: undefined })
  })

  it('ignores a message still being delivered after close() (snapshot delivery)', async () => {
    const pubsub = new PubSub()
    let events: ReturnType<PubSub['subscriber']> | undefined
    pubsub.subscribe('A!', () => events!.close())
    events = pubsub.subscriber('A!')
    pubsub.publish('A!', 1)
    expect(await events.next()).toEqual({ done: true, value: undefined })
  })

  it('return() closes it too and resolves { done: true }', async () => {
    const pubsub = new PubSub()
    const events = pubsub.subscriber('A!')
    const pending = events.next()
    await expect(events.return!()).resolves.toEqual({ done: true, value: undefined })
    await expect(pending).resolves.toEqual({ done: true, value: undefined })
    expect(pubsub.listenerCount('A!')).toBe(0)
  })

  it('for await … break unsubscribes', async () => {
    const pubsub = new PubSub()
    const events = pubsub.subscriber('Tick!', 'Stop!')
    const received: unknown[] = []
    const consumer = (async () => {
      for await (const [message, ...args] of events) {
        received.push([message, ...args])
        if (message === 'Stop!') break
      }
    })()
    pubsub.publish('Tick!', 1)
    await yieldMacrotask()
    pubsub.publish('Tick!', 2)
    pubsub.publish('Stop!')
    pubsub.publish('Tick!', 3) // buffered, then dropped by the break
    await consumer
    expect(received).toEqual([['Tick!', 1], ['Tick!', 2], ['Stop!']])
    expect(pubsub.listenerCount('Tick!')).toBe(0)
    expect(pubsub.listenerCount('Stop!')).toBe(0)
  })

  it('a for await loop ends when close() is called from elsewhere', async () => {
    const pubsub = new PubSub()
    const events = pubsub.subscriber('A!')
    const received: unknown[] = []
    const consumer = (async () => {
      for await (const tuple of events) received.push(tuple)
      return 'ended'
    })()
    pubsub.publish('A!', 1)
    await yieldMacrotask()
    events.close()
    await expect(consumer).resolves.toBe('ended')
    expect(received).toEqual([['A!', 1]])
  })

  it('is its own async iterator', () => {
    const pubsub = new PubSub()
    const events = pubsub.subscriber('A!')
    expect(events[Symbol.asyncIterator]()).toBe(events)
    events.close()
  })

  it('throws RangeError without message names and TypeError/RangeError on bad names, subscribing nothing', () => {
    const pubsub = new PubSub()
    expect(() => pubsub.subscriber()).toThrow(RangeError)
    expect(() => pubsub.subscriber()).toThrow(/at least one message name/)
    expect(() => pubsub.subscriber('A!', 5 as never)).toThrow(TypeError)
    expect(() => pubsub.subscriber('A!', 5 as never)).toThrow(/Expected `messages\[1\]` to be a non-empty string/)
    expect(() => pubsub.subscriber('A!', '')).toThrow(RangeError)
    expect(pubsub.listenerCount('A!')).toBe(0)
  })
})
