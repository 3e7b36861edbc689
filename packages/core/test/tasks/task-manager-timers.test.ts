/**
 * TaskManager timing (spec §6) under every clock a user meets: the IPv8 tutorial's periodic example (equal
 * deadlines fire in arming order: `[1, 1, 1, 1, 2, 1, …]`) on a TestClock, through `Service.tasks`, under vitest's
 * fake timers and on the real clock; equal deadlines across delays of different lengths; no timer left behind.
 * This is the one place the example is tested.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Service } from '../../src/service/service.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import { Messages } from '../../src/pubsub/messages.js'
import { createTestApplication, TestClock } from '../../src/testing/index.js'
import { turns } from '../support/event-loop.js'
import { silentLogger } from '../support/logs.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()

afterEach(async () => {
  vi.useRealTimers()
  await turns()
  expect(unhandled.splice(0)).toEqual([])
})

/** The IPv8 tutorial's periodic example: add 1 every `interval`, inject 2 once after `delay`, stop at 20 items. */
function periodicExample(manager: TaskManager, interval: number, delay: number, async = false) {
  const completed: number[] = []
  const add = (i: number) => async () => {
    if (async) await Promise.resolve()
    if (completed.length === 20) {
      manager.cancelPendingTask('keep adding 1')
      return
    }
    completed.push(i)
  }
  const periodic = manager.registerTask('keep adding 1', add(1), { interval })
  const delayed = manager.registerTask('sneaky inject', async () => (await add(2)(), 'injected'), { delay })
  return { completed, periodic, delayed, done: manager.waitForTasks() }
}

const EXPECTED = [1, 1, 1, 1, 2, ...Array<number>(15).fill(1)]

describe('the IPv8 periodic example yields [1, 1, 1, 1, 2, 1, …]', () => {
  it('on a TestClock, with synchronous and asynchronous functions', async () => {
    for (const async of [false, true]) {
      const clock = new TestClock()
      const manager = new TaskManager({ clock, logger: silentLogger() })
      const { completed, periodic, delayed, done } = periodicExample(manager, 100, 500, async)
      await clock.advance(5_000)
      await done
      expect(completed).toEqual(EXPECTED)
      expect(await delayed.result).toBe('injected')
      expect(periodic.state).toBe('cancelled')
      await manager.shutdownTaskManager()
      expect(clock.pending).toBe(0)
    }
  })

  it('through Service.tasks on the TaskService, each task published once as task_done! when it settles', async () => {
    const clock = new TestClock()
    const app = await createTestApplication({ clock })
    const done: TaskHandle[] = []
    app.pubsub.subscribe(Messages.TaskDone, (_m, handle: TaskHandle) => void done.push(handle))
    let example: ReturnType<typeof periodicExample> | undefined
    class Adder extends Service {
      override initialize(): void {
        example = periodicExample(this.tasks, 100, 500)
      }
    }
    app.addService(Adder)
    await clock.advance(5_000)
    expect(example!.completed).toEqual(EXPECTED)
    expect(done.map((h) => [h.name, h.owner, h.state])).toEqual([
      ['sneaky inject', 'Adder', 'succeeded'],
      ['keep adding 1', 'Adder', 'cancelled'],
    ])
    await app.stop()
    expect(clock.pending).toBe(0)
  })

  it("under vitest's fake timers (the default set) with advanceTimersByTimeAsync; no timer left after shutdown", async () => {
    vi.useFakeTimers()
    const manager = new TaskManager({ logger: silentLogger() })
    const { completed, done } = periodicExample(manager, 100, 500, true)
    await vi.advanceTimersByTimeAsync(5_000)
    await done
    expect(completed).toEqual(EXPECTED)
    await manager.shutdownTaskManager()
    expect(vi.getTimerCount()).toBe(0)
  })

  // The tutorial's own timing. Fixed-delay runs drift later when the event loop stalls; a stall of more than one
  // interval (a starved CI machine) legitimately changes the order, hence the retries.
  it('on the real clock (100 ms interval, 500 ms delay)', { retry: 2, timeout: 20_000 }, async () => {
    const manager = new TaskManager({ logger: silentLogger() })
    const { completed, done } = periodicExample(manager, 100, 500)
    await done
    expect(completed).toEqual(EXPECTED)
    await manager.shutdownTaskManager()
  })
})

describe('TaskManager timers', () => {
  it('fire equal deadlines in the order they were armed, also across delays of different lengths', async () => {
    const clock = new TestClock()
    const manager = new TaskManager({ clock, logger: silentLogger() })
    const order: string[] = []
    manager.registerTask('long', () => void order.push('long'), { delay: 300 })
    await clock.advance(100)
    manager.registerTask('short', () => void order.push('short'), { delay: 200 })
    await clock.advance(200)
    expect(order).toEqual(['long', 'short'])
    await manager.shutdownTaskManager()
  })

  it('leave no timer behind on the real clock once shut down', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] })
    const manager = new TaskManager({ logger: silentLogger() })
    manager.registerTask('tick', () => {}, { interval: 1000 })
    manager.registerTask('later', () => {}, { delay: 5000 })
    await turns(1)
    expect(vi.getTimerCount()).toBe(2) // the two task deadlines share one ordered timer, plus the max-age checker
    await manager.shutdownTaskManager()
    expect(vi.getTimerCount()).toBe(0)
  })
})
