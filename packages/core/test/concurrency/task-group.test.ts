import { describe, expect, it } from 'vitest'
import { sleep } from '../../src/concurrency/sleep.js'
import { TaskGroup } from '../../src/concurrency/task-group.js'
import { CancelledError } from '../../src/errors/cancellation.js'
import { InvalidStateError } from '../../src/errors/errors.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { outcome } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('TaskGroup.run()', () => {
  it('returns the body value after every child has finished', async () => {
    const clock = new TestClock()
    const log: string[] = []
    const result = outcome(
      TaskGroup.run(async (group) => {
        group.spawn(async (signal) => { await sleep(20, { signal, clock }); log.push('slow') })
        group.spawn(async (signal) => { await sleep(10, { signal, clock }); log.push('fast') })
        log.push('body')
        return 'value'
      }),
    )
    await clock.advance(10)
    expect(result.state).toBe('pending')
    await clock.advance(10)
    expect(result.value).toBe('value')
    expect(log).toEqual(['body', 'fast', 'slow'])
  })

  it('accepts a synchronous body', async () => {
    await expect(TaskGroup.run(() => 42)).resolves.toBe(42)
  })

  it('spawn() returns a queued TaskHandle that starts on the next microtask, children in spawn order', async () => {
    const order: string[] = []
    await TaskGroup.run((group) => {
      const a = group.spawn(() => { order.push('a') }, { name: 'first' })
      const b = group.spawn(function second() { order.push('b') })
      const c = group.spawn(() => 3)
      expect(a.state).toBe('queued')
      expect(order).toEqual([])
      expect(a.name).toBe('first')
      expect(b.name).toBe('second')
      expect(c.name).toBe(`task-${c.id}`)
      expect([a.id, b.id, c.id]).toEqual([1, 2, 3])
    })
    expect(order).toEqual(['a', 'b'])
  })

  it('child handles give results, and children may spawn more children', async () => {
    const clock = new TestClock()
    let grandchild: TaskHandle<number> | undefined
    const result = outcome(
      TaskGroup.run(async (group) => {
        const child = group.spawn(async (signal) => {
          await sleep(5, { signal, clock })
          grandchild = group.spawn(async (s) => { await sleep(5, { signal: s, clock }); return 2 })
          return 1
        })
        return child.result
      }),
    )
    await clock.advance(5)
    expect(result.state).toBe('pending') // grandchild still running
    await clock.advance(5)
    expect(result.value).toBe(1)
    expect(grandchild!.value).toBe(2)
  })

  it('the first failure aborts the siblings and the body signal; rejects with an AggregateError of the real errors only', async () => {
    const clock = new TestClock()
    const boom = new Error('boom')
    let bodySignal!: AbortSignal
    const siblings: Array<TaskHandle<unknown>> = []
    const result = outcome(
      TaskGroup.run(async (group) => {
        bodySignal = group.signal
        siblings.push(group.spawn((signal) => sleep(1_000, { signal, clock })))
        siblings.push(group.spawn((signal) => sleep(1_000, { signal, clock })))
        group.spawn(async () => { await sleep(10, { clock }); throw boom })
        await sleep(1_000, { signal: group.signal, clock }) // the body is cancelled too: not a failure
      }),
    )
    await clock.advance(10)
    expect(bodySignal.aborted).toBe(true)
    expect(bodySignal.reason).toBeInstanceOf(CancelledError)
    expect((bodySignal.reason as CancelledError).reason).toBe(boom)
    expect(siblings.map((s) => s.state)).toEqual(['cancelled', 'cancelled'])
    expect(result.error).toBeInstanceOf(AggregateError)
    expect((result.error as AggregateError).errors).toEqual([boom])
    expect(clock.pending).toBe(0)
  })

  it('collects every real failure, including one raised by a sibling while it stops', async () => {
    const clock = new TestClock()
    const first = new Error('first')
    const second = new Error('cleanup failed')
    const result = outcome(
      TaskGroup.run((group) => {
        group.spawn(async () => { await sleep(10, { clock }); throw first })
        group.spawn(async (signal) => {
          await sleep(1_000, { signal, clock }).catch(() => {})
          throw second
        })
      }),
    )
    await clock.advance(10)
    expect((result.error as AggregateError).errors).toEqual([first, second])
  })

  it('waits for every child cleanup (a finally that awaits) before rejecting', async () => {
    const clock = new TestClock()
    const log: string[] = []
    const result = outcome(
      TaskGroup.run((group) => {
        group.spawn(async (signal) => {
          try {
            await sleep(1_000, { signal, clock })
          } finally {
            log.push('cleanup:start')
            await sleep(50, { clock })
            log.push('cleanup:end')
          }
        })
        group.spawn(async () => { await sleep(10, { clock }); throw new Error('boom') })
      }),
    )
    await clock.advance(10)
    expect(log).toEqual(['cleanup:start'])
    expect(result.state).toBe('pending')
    await clock.advance(50)
    expect(log).toEqual(['cleanup:start', 'cleanup:end'])
    expect(result.error).toBeInstanceOf(AggregateError)
  })

  it('a throwing body counts as a failure: it aborts the children and is in the AggregateError', async () => {
    const clock = new TestClock()
    const bodyError = new Error('body failed')
    let child!: TaskHandle<unknown>
    const result = outcome(
      TaskGroup.run(async (group) => {
        child = group.spawn((signal) => sleep(1_000, { signal, clock }))
        await sleep(5, { clock })
        throw bodyError
      }),
    )
    await clock.advance(5)
    expect(child.state).toBe('cancelled')
    expect((result.error as AggregateError).errors).toEqual([bodyError])
  })

  it('a child cancelled on its own is not a failure: the others go on', async () => {
    const clock = new TestClock()
    const result = outcome(
      TaskGroup.run(async (group) => {
        const a = group.spawn((signal) => sleep(1_000, { signal, clock }))
        const b = group.spawn(async (signal) => { await sleep(20, { signal, clock }); return 'b' })
        await sleep(5, { clock })
        a.cancel('not needed')
        return b.result
      }),
    )
    await clock.advance(20)
    expect(result.value).toBe('b')
  })

  it('a parent abort cancels the children with the parent reason and rejects with CancelledError after cleanup', async () => {
    const clock = new TestClock()
    const parent = new AbortController()
    const reason = new Error('app stopping')
    const log: string[] = []
    let childSignal!: AbortSignal
    const result = outcome(
      TaskGroup.run(
        (group) => {
          group.spawn(async (signal) => {
            childSignal = signal
            try {
              await sleep(1_000, { signal, clock })
            } finally {
              await sleep(10, { clock })
              log.push('cleaned')
            }
          })
        },
        { signal: parent.signal },
      ),
    )
    await turns()
    expect(abortListeners(parent.signal)).toBe(1)
    parent.abort(reason)
    expect(childSignal.reason).toBe(reason)
    await turns()
    expect(result.state).toBe('pending')
    await clock.advance(10)
    expect(log).toEqual(['cleaned'])
    expect(result.error).toBeInstanceOf(CancelledError)
    expect((result.error as CancelledError).reason).toBe(reason)
    expect(abortListeners(parent.signal)).toBe(0)
    expect(clock.pending).toBe(0)
  })

  it('a parent abort with a custom reason rejects with CancelledError also when the body and children rethrow that reason (throwIfAborted)', async () => {
    const parent = new AbortController()
    const untilAborted = (signal: AbortSignal): Promise<void> => new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
    const run = outcome(
      TaskGroup.run(
        async (group) => {
          group.spawn(async (signal) => {
            await untilAborted(signal)
            signal.throwIfAborted()
          })
          await untilAborted(group.signal)
          group.signal.throwIfAborted()
        },
        { signal: parent.signal },
      ),
    )
    await turns()
    parent.abort('custom reason')
    await turns(3)
    expect(run.state).toBe('rejected')
    expect(run.error).toBeInstanceOf(CancelledError)
    expect((run.error as CancelledError).reason).toBe('custom reason')
  })

  it('real failures win over a parent abort', async () => {
    const clock = new TestClock()
    const parent = new AbortController()
    const cleanupError = new Error('cleanup crashed')
    const result = outcome(
      TaskGroup.run(
        (group) => {
          group.spawn(async (signal) => {
            await sleep(1_000, { signal, clock }).catch(() => {})
            throw cleanupError
          })
        },
        { signal: parent.signal },
      ),
    )
    await turns()
    parent.abort('stop')
    await turns()
    expect((result.error as AggregateError).errors).toEqual([cleanupError])
  })

  it('an already aborted parent rejects at once without calling the body', async () => {
    const parent = new AbortController()
    parent.abort('gone')
    let called = false
    await expect(TaskGroup.run(() => { called = true }, { signal: parent.signal })).rejects.toMatchObject({ reason: 'gone' })
    expect(called).toBe(false)
    expect(abortListeners(parent.signal)).toBe(0)
  })

  it('removes the children listeners from the group signal and its own from the parent on success', async () => {
    const parent = new AbortController()
    let groupSignal!: AbortSignal
    await TaskGroup.run(
      async (group) => {
        groupSignal = group.signal
        group.spawn(async () => 1)
        group.spawn(async () => 2)
        expect(abortListeners(group.signal)).toBe(2)
      },
      { signal: parent.signal },
    )
    expect(abortListeners(groupSignal)).toBe(0)
    expect(abortListeners(parent.signal)).toBe(0)
  })

  it('spawn() after the group finished throws InvalidStateError', async () => {
    let saved!: TaskGroup
    await TaskGroup.run((group) => { saved = group })
    expect(() => saved.spawn(async () => 1)).toThrow(InvalidStateError)
  })

  it('spawn() while the group is aborting throws InvalidStateError', async () => {
    const clock = new TestClock()
    let spawnError: unknown
    const result = outcome(
      TaskGroup.run(async (group) => {
        group.spawn(async () => { throw new Error('boom') })
        await sleep(1_000, { signal: group.signal, clock }).catch(() => {})
        try {
          group.spawn(async () => 1)
        } catch (error) {
          spawnError = error
        }
      }),
    )
    await turns()
    expect(spawnError).toBeInstanceOf(InvalidStateError)
    expect(result.error).toBeInstanceOf(AggregateError)
  })

  it('a body cancelled by something other than the group cancels the children and rethrows', async () => {
    const clock = new TestClock()
    const own = new AbortController()
    let child!: TaskHandle<unknown>
    const result = outcome(
      TaskGroup.run(async (group) => {
        child = group.spawn((signal) => sleep(1_000, { signal, clock }))
        await sleep(1_000, { signal: own.signal, clock })
      }),
    )
    await turns()
    own.abort('mine')
    await turns()
    expect(child.state).toBe('cancelled')
    expect(result.error).toBeInstanceOf(CancelledError)
    expect((result.error as CancelledError).reason).toBe('mine')
  })

  it('validates its arguments synchronously', async () => {
    expect(() => TaskGroup.run('x' as never)).toThrow(TypeError)
    expect(() => TaskGroup.run(() => 1, { signal: 1 as never })).toThrow(TypeError)
    await TaskGroup.run((group) => {
      expect(() => group.spawn(5 as never)).toThrow(TypeError)
      expect(() => group.spawn(() => 1, { name: 5 as never })).toThrow(TypeError)
    })
  })
})
