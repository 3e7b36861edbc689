import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLogger } from '../../src/logging/logger.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import { turns } from '../support/event-loop.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()

afterEach(async () => {
  vi.useRealTimers()
  await turns()
  expect(unhandled.splice(0)).toEqual([])
})

/** The IPv8 tutorial's periodic example: add 1 every `interval`, inject 2 once after `delay`, stop at 20 items. */
function periodicExample(manager: TaskManager, interval: number, delay: number): { completed: number[]; done: Promise<void> } {
  const completed: number[] = []
  const add = (i: number) => () => {
    if (completed.length === 20) {
      manager.cancelPendingTask('keep adding 1')
      return
    }
    completed.push(i)
  }
  manager.registerTask('keep adding 1', add(1), { interval })
  manager.registerTask('sneaky inject', add(2), { delay })
  return { completed, done: manager.waitForTasks() }
}

const expected = [1, 1, 1, 1, 2, ...Array<number>(15).fill(1)]

describe('TaskManager on the real clock', () => {
  it('yields [1, 1, 1, 1, 2, 1, ...] under vi fake timers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] })
    const manager = new TaskManager({ logger: createLogger({ level: 'silent' }) })
    const { completed, done } = periodicExample(manager, 100, 500)
    await turns(1) // the tasks start on a real macrotask
    await vi.advanceTimersByTimeAsync(3000)
    await done
    expect(completed).toEqual(expected)
    await manager.shutdownTaskManager()
    expect(vi.getTimerCount()).toBe(0)
  })

  // The tutorial's own timing. Fixed-delay runs drift later when the event loop stalls; a stall of more than one
  // interval (a starved CI machine) legitimately changes the order, hence the retries.
  it('yields [1, 1, 1, 1, 2, 1, ...] under real timers (100 ms interval, 500 ms delay)', { retry: 2 }, async () => {
    const manager = new TaskManager({ logger: createLogger({ level: 'silent' }) })
    const { completed, done } = periodicExample(manager, 100, 500)
    await done
    expect(completed).toEqual(expected)
    await manager.shutdownTaskManager()
  })

  it('leaves no timer behind on the real clock once shut down', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] })
    const manager = new TaskManager({ logger: createLogger({ level: 'silent' }) })
    manager.registerTask('tick', () => {}, { interval: 1000 })
    manager.registerTask('later', () => {}, { delay: 5000 })
    await turns(1)
    expect(vi.getTimerCount()).toBe(2) // the two task deadlines share one ordered timer, plus the max-age checker
    await manager.shutdownTaskManager()
    expect(vi.getTimerCount()).toBe(0)
  })
})
