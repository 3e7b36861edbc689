import { describe, expect, it } from 'vitest'
import { sleep } from '../../src/concurrency/sleep.js'
import { withTimeout } from '../../src/concurrency/with-timeout.js'
import { CancelledError, TimeoutError } from '../../src/errors/cancellation.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { outcome } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('withTimeout()', () => {
  it('resolves with the value when the task finishes in time, clearing the timer', async () => {
    const clock = new TestClock()
    const result = outcome(withTimeout(async (signal) => { await sleep(50, { signal, clock }); return 'ok' }, 100, { clock }))
    await clock.advance(50)
    expect(result).toMatchObject({ state: 'resolved', value: 'ok' })
    expect(clock.pending).toBe(0)
  })

  it('calls the task at once, synchronously, with a signal', () => {
    let received: unknown
    const promise = withTimeout((signal) => { received = signal; return 1 }, 10)
    expect(received).toBeInstanceOf(AbortSignal)
    return expect(promise).resolves.toBe(1)
  })

  it('passes through a failure in time, and a synchronous throw', async () => {
    const boom = new Error('boom')
    await expect(withTimeout(async () => { throw boom }, 10, { clock: new TestClock() })).rejects.toBe(boom)
    await expect(withTimeout(() => { throw boom }, 10, { clock: new TestClock() })).rejects.toBe(boom)
  })

  it('at the deadline aborts the task signal with a TimeoutError reason and rejects only after the task has settled', async () => {
    const clock = new TestClock()
    const log: string[] = []
    let childSignal!: AbortSignal
    let releaseCleanup!: () => void
    const result = outcome(
      withTimeout(async (signal) => {
        childSignal = signal
        try {
          await sleep(1_000, { signal, clock })
        } finally {
          log.push('cleanup:start')
          await new Promise<void>((resolve) => (releaseCleanup = resolve))
          log.push('cleanup:end')
        }
      }, 100, { clock }),
    )
    await clock.advance(100)
    expect(childSignal.aborted).toBe(true)
    expect(childSignal.reason).toBeInstanceOf(TimeoutError)
    expect((childSignal.reason as TimeoutError).timeoutMs).toBe(100)
    expect(log).toEqual(['cleanup:start'])
    expect(result.state).toBe('pending')
    releaseCleanup()
    await turns()
    expect(log).toEqual(['cleanup:start', 'cleanup:end'])
    expect(result.state).toBe('rejected')
    expect(result.error).toBeInstanceOf(TimeoutError)
    expect(result.error).toBe(childSignal.reason)
    expect(clock.pending).toBe(0)
  })

  it('still rejects with TimeoutError when the task ignores the abort and resolves after the deadline', async () => {
    const clock = new TestClock()
    const result = outcome(withTimeout(async () => { await sleep(500, { clock }); return 'late' }, 100, { clock }))
    await clock.advance(100)
    expect(result.state).toBe('pending')
    await clock.advance(400)
    expect(result.state).toBe('rejected')
    expect(result.error).toBeInstanceOf(TimeoutError)
  })

  it('reports a real error raised while stopping instead of the timeout', async () => {
    const clock = new TestClock()
    const cleanupFailure = new Error('cleanup failed')
    const result = outcome(withTimeout(async (signal) => {
      await sleep(1_000, { signal, clock }).catch(() => {})
      throw cleanupFailure
    }, 100, { clock }))
    await clock.advance(100)
    expect(result.error).toBe(cleanupFailure)
  })

  it('an outside abort aborts the task signal with the same reason and rejects with CancelledError after settle', async () => {
    const clock = new TestClock()
    const outer = new AbortController()
    const reason = new Error('shutdown')
    let childSignal!: AbortSignal
    const log: string[] = []
    const result = outcome(withTimeout(async (signal) => {
      childSignal = signal
      try {
        await sleep(1_000, { signal, clock })
      } finally {
        await Promise.resolve()
        log.push('cleanup')
      }
    }, 500, { signal: outer.signal, clock }))
    expect(abortListeners(outer.signal)).toBe(1)
    outer.abort(reason)
    expect(childSignal.reason).toBe(reason)
    await turns()
    expect(log).toEqual(['cleanup'])
    expect(result.error).toBeInstanceOf(CancelledError)
    expect(result.error).not.toBeInstanceOf(TimeoutError)
    expect((result.error as CancelledError).reason).toBe(reason)
    expect(clock.pending).toBe(0)
    expect(abortListeners(outer.signal)).toBe(0)
  })

  it('removes its outer listener on success', async () => {
    const outer = new AbortController()
    await withTimeout(() => 1, 10, { signal: outer.signal, clock: new TestClock() })
    expect(abortListeners(outer.signal)).toBe(0)
  })

  it('rejects at once for an already aborted signal without calling the task', async () => {
    const clock = new TestClock()
    let called = false
    const outer = new AbortController()
    outer.abort('gone')
    await expect(withTimeout(() => { called = true }, 10, { signal: outer.signal, clock })).rejects.toMatchObject({ reason: 'gone' })
    expect(called).toBe(false)
    expect(clock.pending).toBe(0)
  })

  it('timeoutMs 0 aborts at the next clock tick', async () => {
    const clock = new TestClock()
    const result = outcome(withTimeout((signal) => sleep(10, { signal, clock }), 0, { clock }))
    await clock.advance(0)
    expect(result.error).toBeInstanceOf(TimeoutError)
  })

  it('validates its arguments synchronously', () => {
    expect(() => withTimeout('x' as never, 10)).toThrow(TypeError)
    expect(() => withTimeout(() => 1, -1)).toThrow(new RangeError('Expected `timeoutMs` to be a finite number >= 0, got -1 (number)'))
    expect(() => withTimeout(() => 1, Infinity)).toThrow(RangeError)
    expect(() => withTimeout(() => 1, Number.NaN)).toThrow(RangeError)
    expect(() => withTimeout(() => 1, 10, { signal: {} as AbortSignal })).toThrow(TypeError)
  })
})
