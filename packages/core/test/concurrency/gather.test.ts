import { describe, expect, it } from 'vitest'
import { gather } from '../../src/concurrency/gather.js'
import { sleep } from '../../src/concurrency/sleep.js'
import { CancelledError } from '../../src/errors/cancellation.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { outcome } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('gather()', () => {
  it('resolves with results in argument order, not completion order', async () => {
    const clock = new TestClock()
    const result = outcome(
      gather<string>([
        async (signal) => { await sleep(30, { signal, clock }); return 'a' },
        async (signal) => { await sleep(10, { signal, clock }); return 'b' },
        Promise.resolve('c'),
        () => 'd',
      ]),
    )
    await clock.advance(30)
    expect(result.value).toEqual(['a', 'b', 'c', 'd'])
  })

  it('calls every function child at once, synchronously, each with its own signal', () => {
    const signals: AbortSignal[] = []
    const promise = gather([(s) => { signals.push(s) }, (s) => { signals.push(s) }])
    expect(signals).toHaveLength(2)
    expect(signals[0]).toBeInstanceOf(AbortSignal)
    expect(signals[0]).not.toBe(signals[1])
    return promise
  })

  it('resolves [] for no tasks', async () => {
    await expect(gather([])).resolves.toEqual([])
  })

  it('rejects with the first error while the other children keep running (not cancelled)', async () => {
    const clock = new TestClock()
    const boom = new Error('boom')
    let otherSignal!: AbortSignal
    let otherFinished = false
    const result = outcome(
      gather([
        async (signal) => { otherSignal = signal; await sleep(100, { signal, clock }); otherFinished = true },
        async () => { await sleep(10, { clock }); throw boom },
        async () => { await sleep(20, { clock }); throw new Error('second') },
      ]),
    )
    await clock.advance(10)
    expect(result.state).toBe('rejected')
    expect(result.error).toBe(boom)
    expect(otherSignal.aborted).toBe(false)
    await clock.advance(90)
    expect(otherFinished).toBe(true)
    expect(clock.pending).toBe(0)
  })

  it('treats a synchronous throw of a child as its failure', async () => {
    const boom = new Error('sync')
    await expect(gather([() => { throw boom }])).rejects.toBe(boom)
  })

  it('with returnExceptions puts errors (and cancellations) in the array', async () => {
    const boom = new Error('boom')
    const cancelled = new CancelledError('x')
    const results = await gather([async () => 1, Promise.reject(boom), () => { throw cancelled }], { returnExceptions: true })
    expect(results).toEqual([1, boom, cancelled])
  })

  it('aborting its signal cancels every unfinished function child with the same reason and rejects with CancelledError', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    const signals: AbortSignal[] = []
    const reason = { shutdown: true }
    const result = outcome(
      gather(
        [
          async (signal) => { signals.push(signal) },
          async (signal) => { signals.push(signal); await sleep(100, { signal, clock }) },
          async (signal) => { signals.push(signal); await sleep(100, { signal, clock }) },
        ],
        { signal: controller.signal },
      ),
    )
    await turns()
    controller.abort(reason)
    expect(signals[0]!.aborted).toBe(false) // already finished: not touched
    expect(signals[1]!.reason).toBe(reason)
    expect(signals[2]!.reason).toBe(reason)
    await turns()
    expect(result.error).toBeInstanceOf(CancelledError)
    expect((result.error as CancelledError).reason).toBe(reason)
    expect(abortListeners(controller.signal)).toBe(0)
    expect(clock.pending).toBe(0)
  })

  it('after it has settled, its signal no longer touches the children', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    let slow!: AbortSignal
    const promise = gather(
      [async () => { throw new Error('fast failure') }, async (signal) => { slow = signal; await sleep(50, { signal, clock }) }],
      { signal: controller.signal },
    )
    await expect(promise).rejects.toThrow('fast failure')
    expect(abortListeners(controller.signal)).toBe(0)
    controller.abort('late')
    expect(slow.aborted).toBe(false)
    await clock.advance(50)
  })

  it('rejects at once for an already aborted signal without calling any child', async () => {
    const controller = new AbortController()
    controller.abort('early')
    let called = false
    await expect(
      gather([() => { called = true }, Promise.reject(new Error('observed'))], { signal: controller.signal }),
    ).rejects.toMatchObject({ reason: 'early' })
    expect(called).toBe(false)
  })

  it('never leaves unhandled rejections from children that fail after gather rejected', async () => {
    const clock = new TestClock()
    await expect(
      gather([
        async () => { throw new Error('first') },
        async () => { await sleep(5, { clock }); throw new Error('later') },
        Promise.reject(new Error('thenable')),
      ]),
    ).rejects.toThrow('first')
    await clock.advance(5)
  })

  it('validates its input synchronously', () => {
    expect(() => gather('x' as never)).toThrow(TypeError)
    expect(() => gather([1 as never])).toThrow(new TypeError('Expected `tasks[0]` to be a function or a promise (thenable), got 1 (number)'))
    expect(() => gather([], { returnExceptions: 'yes' as never })).toThrow(TypeError)
    expect(() => gather([], { signal: {} as never })).toThrow(TypeError)
  })

  it('types results as T[] without returnExceptions', async () => {
    const values: number[] = await gather([async () => 1, Promise.resolve(2)])
    expect(values).toEqual([1, 2])
  })
})
