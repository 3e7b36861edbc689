import { describe, expect, it } from 'vitest'
import { sleep } from '../../src/concurrency/sleep.js'
import { CancelledError } from '../../src/errors/cancellation.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { outcome } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('sleep()', () => {
  it('resolves after ms on the given clock, and not before', async () => {
    const clock = new TestClock()
    const result = outcome(sleep(1000, { clock }))
    await clock.advance(999)
    expect(result.state).toBe('pending')
    await clock.advance(1)
    expect(result.state).toBe('resolved')
    expect(result.value).toBeUndefined()
    expect(clock.pending).toBe(0)
  })

  it('works on the real clock', async () => {
    await expect(sleep(1)).resolves.toBeUndefined()
  })

  it('rejects with CancelledError carrying signal.reason unchanged, and clears its timer and listener', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    const reason = { why: 'stop' }
    const result = outcome(sleep(1000, { signal: controller.signal, clock }))
    expect(abortListeners(controller.signal)).toBe(1)
    expect(clock.pending).toBe(1)
    controller.abort(reason)
    await turns()
    expect(result.state).toBe('rejected')
    expect(result.error).toBeInstanceOf(CancelledError)
    expect((result.error as CancelledError).reason).toBe(reason)
    expect(clock.pending).toBe(0)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('removes its abort listener when it resolves normally', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    const promise = sleep(10, { signal: controller.signal, clock })
    await clock.advance(10)
    await promise
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('rejects at once for an already aborted signal, arming nothing', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    controller.abort('early')
    await expect(sleep(10, { signal: controller.signal, clock })).rejects.toMatchObject({ reason: 'early' })
    expect(clock.pending).toBe(0)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('sleeps until cancelled with ms = Infinity, arming no timer', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    const result = outcome(sleep(Infinity, { signal: controller.signal, clock }))
    expect(clock.pending).toBe(0)
    await clock.advance(1e9)
    expect(result.state).toBe('pending')
    controller.abort('done')
    await turns()
    expect(result.state).toBe('rejected')
  })

  it('throws synchronously for bad input', () => {
    expect(() => sleep(-5)).toThrow(new RangeError('Expected `ms` to be a number >= 0, got -5 (number)'))
    expect(() => sleep(Number.NaN)).toThrow(RangeError)
    expect(() => sleep('5' as unknown as number)).toThrow(TypeError)
    expect(() => sleep(1, { signal: 'x' as unknown as AbortSignal })).toThrow(TypeError)
    expect(() => sleep(1, { clock: {} as unknown as TestClock })).toThrow(TypeError)
  })
})
