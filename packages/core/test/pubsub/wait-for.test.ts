import { describe, expect, it } from 'vitest'
import { CancelledError, TimeoutError } from '../../src/errors/cancellation.js'
import { yieldMacrotask } from '../../src/internal/macrotask.js'
import { PubSub } from '../../src/pubsub/pubsub.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { abortListeners } from '../support/listeners.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('PubSub.waitFor()', () => {
  it('resolves with the arguments of the next publish, without the message name', async () => {
    const pubsub = new PubSub()
    const waiting = pubsub.waitFor('Done!')
    expect(pubsub.listenerCount('Done!')).toBe(1)
    pubsub.publish('Done!', 'a', 2, { three: 3 })
    pubsub.publish('Done!', 'second')
    await expect(waiting).resolves.toEqual(['a', 2, { three: 3 }])
    expect(pubsub.listenerCount('Done!')).toBe(0)
  })

  it('resolves with an empty array for a publish without arguments', async () => {
    const pubsub = new PubSub()
    const waiting = pubsub.waitFor('Done!')
    pubsub.publish('Done!')
    await expect(waiting).resolves.toEqual([])
  })

  it('does not see a message published before it was called', async () => {
    const clock = new TestClock()
    const pubsub = new PubSub({ clock })
    pubsub.publish('Done!', 'early')
    const waiting = pubsub.waitFor('Done!', { timeoutMs: 100 })
    const settled = waiting.catch((e: unknown) => e)
    await clock.advance(100)
    expect(await settled).toBeInstanceOf(TimeoutError)
  })

  it('works with publishDeferred', async () => {
    const pubsub = new PubSub()
    const waiting = pubsub.waitFor('Later!')
    pubsub.publishDeferred('Later!', 7)
    await expect(waiting).resolves.toEqual([7])
  })

  it('several waiters for the same message all resolve with the same publish', async () => {
    const pubsub = new PubSub()
    const a = pubsub.waitFor('Done!')
    const b = pubsub.waitFor('Done!')
    pubsub.publish('Done!', 1)
    await expect(Promise.all([a, b])).resolves.toEqual([[1], [1]])
    expect(pubsub.listenerCount('Done!')).toBe(0)
  })

  describe('timeoutMs', () => {
    it('rejects with TimeoutError through the clock and cleans up', async () => {
      const clock = new TestClock()
      const pubsub = new PubSub({ clock })
      const settled = pubsub.waitFor('Never!', { timeoutMs: 250 }).then(
        () => 'resolved',
        (e: unknown) => e,
      )
      expect(clock.pending).toBe(1)
      await clock.advance(249)
      expect(pubsub.listenerCount('Never!')).toBe(1)
      await clock.advance(1)
      const error = await settled
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error).toMatchObject({ code: 'TSAB_TIMEOUT', timeoutMs: 250 })
      expect((error as Error).message).toContain('Never!')
      expect(pubsub.listenerCount('Never!')).toBe(0)
      expect(clock.pending).toBe(0)
    })

    it('clears its timer when the message comes first', async () => {
      const clock = new TestClock()
      const pubsub = new PubSub({ clock })
      const waiting = pubsub.waitFor('Done!', { timeoutMs: 1000 })
      expect(clock.pending).toBe(1)
      pubsub.publish('Done!', 'ok')
      await expect(waiting).resolves.toEqual(['ok'])
      expect(clock.pending).toBe(0)
      await clock.advance(2000) // the timeout must not fire later
    })

    it('accepts 0 (times out on the next timer turn unless published synchronously)', async () => {
      const clock = new TestClock()
      const pubsub = new PubSub({ clock })
      const fast = pubsub.waitFor('Now!', { timeoutMs: 0 })
      pubsub.publish('Now!')
      await expect(fast).resolves.toEqual([])
      const slow = pubsub.waitFor('Now!', { timeoutMs: 0 }).catch((e: unknown) => e)
      await clock.advance(0)
      expect(await slow).toBeInstanceOf(TimeoutError)
      expect(clock.pending).toBe(0)
    })

    it('arms no timer without timeoutMs', () => {
      const clock = new TestClock()
      const pubsub = new PubSub({ clock })
      void pubsub.waitFor('Done!')
      expect(clock.pending).toBe(0)
      pubsub.publish('Done!')
    })
  })

  describe('signal', () => {
    it('rejects with CancelledError carrying the signal reason unchanged, and cleans up', async () => {
      const clock = new TestClock()
      const pubsub = new PubSub({ clock })
      const controller = new AbortController()
      const reason = { why: 'shutting down' }
      const settled = pubsub.waitFor('Done!', { signal: controller.signal, timeoutMs: 5000 }).catch((e: unknown) => e)
      expect(abortListeners(controller.signal)).toBe(1)
      controller.abort(reason)
      const error = await settled
      expect(error).toBeInstanceOf(CancelledError)
      expect((error as CancelledError).reason).toBe(reason)
      expect(pubsub.listenerCount('Done!')).toBe(0)
      expect(clock.pending).toBe(0)
      expect(abortListeners(controller.signal)).toBe(0)
    })

    it('rejects at once for an already-aborted signal and subscribes nothing', async () => {
      const clock = new TestClock()
      const pubsub = new PubSub({ clock })
      const reason = new Error('too late')
      const signal = AbortSignal.abort(reason)
      const waiting = pubsub.waitFor('Done!', { signal, timeoutMs: 10 })
      expect(pubsub.listenerCount('Done!')).toBe(0)
      expect(clock.pending).toBe(0)
      expect(abortListeners(signal)).toBe(0)
      const error = await waiting.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CancelledError)
      expect((error as CancelledError).reason).toBe(reason)
    })

    it('removes its abort listener when the message arrives', async () => {
      const pubsub = new PubSub()
      const controller = new AbortController()
      const waiting = pubsub.waitFor('Done!', { signal: controller.signal })
      pubsub.publish('Done!', 1)
      await expect(waiting).resolves.toEqual([1])
      expect(abortListeners(controller.signal)).toBe(0)
      controller.abort() // nothing left to react
    })

    it('removes its abort listener and subscription on timeout', async () => {
      const clock = new TestClock()
      const pubsub = new PubSub({ clock })
      const controller = new AbortController()
      const settled = pubsub.waitFor('Done!', { signal: controller.signal, timeoutMs: 5 }).catch((e: unknown) => e)
      await clock.advance(5)
      expect(await settled).toBeInstanceOf(TimeoutError)
      expect(abortListeners(controller.signal)).toBe(0)
      expect(pubsub.listenerCount('Done!')).toBe(0)
    })

    it('settles only once when the message and the abort race', async () => {
      const pubsub = new PubSub()
      const controller = new AbortController()
      pubsub.subscribe('Done!', () => controller.abort('late'))
      const waiting = pubsub.waitFor('Done!', { signal: controller.signal })
      pubsub.publish('Done!', 'first')
      // The waiter was subscribed after the aborting subscriber, so the abort comes first.
      const error = await waiting.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CancelledError)
      expect(pubsub.listenerCount('Done!')).toBe(1)
      await yieldMacrotask()
    })
  })

  describe('validation', () => {
    it.each([
      ['a number message', () => new PubSub().waitFor(1 as never), TypeError],
      ['an empty message', () => new PubSub().waitFor(''), RangeError],
      ['options that are not an object', () => new PubSub().waitFor('M!', 5 as never), TypeError],
      ['a signal that is not an AbortSignal', () => new PubSub().waitFor('M!', { signal: {} as never }), TypeError],
      ['a string timeout', () => new PubSub().waitFor('M!', { timeoutMs: '5' as never }), TypeError],
      ['a negative timeout', () => new PubSub().waitFor('M!', { timeoutMs: -1 }), RangeError],
      ['a NaN timeout', () => new PubSub().waitFor('M!', { timeoutMs: Number.NaN }), RangeError],
      ['an infinite timeout', () => new PubSub().waitFor('M!', { timeoutMs: Infinity }), RangeError],
    ])('throws synchronously for %s', (_label, call, ErrorClass) => {
      expect(call).toThrow(ErrorClass)
    })

    it('names the bad option in the message and subscribes nothing', () => {
      const pubsub = new PubSub()
      expect(() => pubsub.waitFor('M!', { timeoutMs: -5 })).toThrow('Expected `options.timeoutMs` to be a finite number >= 0, got -5 (number)')
      expect(pubsub.listenerCount('M!')).toBe(0)
    })
  })
})
