import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Application } from '../../src/application/application.js'
import { CancelledError } from '../../src/errors/cancellation.js'
import { DuplicateTaskError } from '../../src/errors/errors.js'
import type { Logger } from '../../src/logging/logger.js'
import { Messages } from '../../src/pubsub/messages.js'
import { Service } from '../../src/service/service.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import { createTestApplication } from '../../src/testing/create-test-application.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { Level, type LogLine, memoryLogger } from '../support/logs.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()
let clock: TestClock
let logger: Logger
let lines: LogLine[]
let app: Application
let manager: TaskManager
let done: TaskHandle[]

function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))
}

beforeEach(async () => {
  clock = new TestClock()
  ;({ logger, lines } = memoryLogger())
  app = await createTestApplication({ clock, logger })
  manager = new TaskManager({ name: 'peers', taskService: app.taskService, clock, logger })
  done = []
  app.pubsub.subscribe(Messages.TaskDone, (_message, handle: TaskHandle) => void done.push(handle))
})

afterEach(async () => {
  await manager.shutdownTaskManager().catch(() => {})
  await app.stop()
  await turns()
  expect(clock.pending).toBe(0)
  expect(unhandled.splice(0)).toEqual([])
})

describe('TaskManager with a TaskService', () => {
  it('spawns its tasks on the TaskService: listed with owner = manager name, published as task_done!', async () => {
    let resolveRelease!: () => void
    const release = { promise: new Promise<void>((r) => (resolveRelease = r)), resolve: () => resolveRelease() }
    const handle = manager.registerTask('sync', async () => {
      await release.promise
      return 'synced'
    })
    await clock.advance(0)
    expect(handle.state).toBe('running')
    const listed = app.taskService.list().find((info) => info.id === handle.id)
    expect(listed).toMatchObject({ name: 'sync', owner: 'peers', state: 'running' })
    expect(handle.owner).toBe('peers')
    release.resolve()
    expect(await handle.result).toBe('synced')
    await clock.advance(0)
    expect(done).toContain(handle)
    expect(done.find((h) => h === handle)?.state).toBe('succeeded')
    expect(app.taskService.list()).toEqual([])
  })

  it('never invokes the function inside registerTask()', async () => {
    let calls = 0
    manager.registerTask('t', () => ++calls)
    expect(calls).toBe(0)
    await clock.advance(0)
    expect(calls).toBe(1)
  })

  it('makes cancelPendingTask synchronous and rejects the result with CancelledError', async () => {
    const handle = manager.registerTask('t', hang)
    await clock.advance(0)
    manager.cancelPendingTask('t', 'why')
    expect(manager.isPendingTaskActive('t')).toBe(false)
    expect(handle.signal.aborted).toBe(true)
    const error = await handle.result.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CancelledError)
  })

  it('throws DuplicateTaskError for an active name, reuses a finished one at once and never un-tracks the new task', async () => {
    const first = manager.registerTask('n', () => 1)
    expect(() => manager.registerTask('n', () => 2)).toThrow(DuplicateTaskError)
    await clock.advance(0)
    // The handle is final; the manager's own bookkeeping of it may not have run yet.
    const second = await first.result.then(() => manager.registerTask('n', hang))
    await turns()
    expect(manager.getTask('n')).toBe(second)
    expect(manager.isPendingTaskActive('n')).toBe(true)
    // Cancelled, the old one is still cleaning up when the name is taken again.
    let cleanup!: () => void
    const gate = new Promise<void>((resolve) => (cleanup = resolve))
    manager.cancelPendingTask('n')
    const third = manager.registerTask('n', async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve))
      await gate
    })
    const fourthTaken = manager.cancelPendingTask('n')
    expect(fourthTaken).toBe(third)
    const fourth = manager.registerTask('n', hang)
    await clock.advance(0)
    cleanup()
    await third.settled
    await turns()
    expect(manager.getTask('n')).toBe(fourth)
    expect(manager.getTasks()).toEqual([fourth])
  })

  it('logs failures with the task name (TaskService) and run failures of stopOnError: false (manager)', async () => {
    const failed = manager.registerTask('broken', () => {
      throw new Error('nope')
    })
    let runs = 0
    manager.registerTask(
      'flaky',
      () => {
        runs++
        throw new Error(`run ${runs}`)
      },
      { interval: 10, stopOnError: false },
    )
    await clock.advance(30)
    await expect(failed.result).rejects.toThrow('nope')
    const errors = lines.filter((l) => l.level === Level.error)
    expect(errors.some((l) => l.task === 'broken' && l.err?.message === 'nope')).toBe(true)
    expect(errors.filter((l) => l.task === 'flaky').map((l) => l.err?.message)).toEqual(['run 1', 'run 2', 'run 3'])
  })

  it('shutdown cancels and waits; a later registerTask is already cancelled, never called, logged and published', async () => {
    const handle = manager.registerTask('t', hang)
    manager.registerTask('tick', () => {}, { interval: 100 })
    await clock.advance(0)
    await manager.shutdownTaskManager()
    expect(handle.state).toBe('cancelled')
    let calls = 0
    const late = manager.registerTask('late', () => ++calls)
    expect(late.state).toBe('cancelled')
    await clock.advance(100)
    expect(calls).toBe(0)
    expect(lines.some((l) => l.level === Level.warn && l.task === 'late')).toBe(true)
    expect(done.map((h) => h.name)).toContain('late')
  })

  it('reports long-running one-shot tasks with maxTaskAgeMs', async () => {
    const aged = new TaskManager({ name: 'aged', taskService: app.taskService, clock, logger, maxTaskAgeMs: 500 })
    aged.registerTask('stuck', hang)
    await clock.advance(500)
    expect(lines.filter((l) => l.level === Level.warn).map((l) => [l.task, l.ageMs])).toEqual([['stuck', 500]])
    await aged.shutdownTaskManager()
  })
})

describe('Service.tasks (the IPv8 tutorial: a service registering a task, a test cancelling it)', () => {
  class Peers extends Service {
    calls = 0
    override initialize(): void {
      this.tasks.registerTask('error out :-(', () => {
        this.calls++
        throw new Error('should never run')
      })
    }
  }

  it('cancels the task registered in initialize() before it runs', async () => {
    const fresh = new Application({ clock, logger, handleSignals: false })
    const peers = fresh.addService(Peers)
    // Application.run! is delivered synchronously right after init-time; the task can only start on a later turn.
    let cancelled: string[] = []
    fresh.pubsub.subscribe(Messages.ApplicationRun, () => {
      cancelled = peers.tasks.cancelAllPendingTasks().map((h) => h.name)
    })
    await fresh.start()
    await clock.advance(10)
    expect(cancelled).toEqual(['error out :-('])
    expect(peers.calls).toBe(0)
    expect(peers.tasks.getTasks()).toEqual([])
    await fresh.stop()
  })

  it('cancels a task registered in the constructor before the app starts (it waits in the queue)', async () => {
    class Early extends Service {
      calls = 0
      constructor(application: Application) {
        super(application)
        this.tasks.registerTask('early', () => void this.calls++)
      }
    }
    const fresh = new Application({ clock, logger, handleSignals: false })
    const early = fresh.addService(Early)
    early.tasks.cancelAllPendingTasks()
    await fresh.start()
    await clock.advance(10)
    expect(early.calls).toBe(0)
    await fresh.stop()
  })

  it('shuts a service’s tasks down right before its finalize()', async () => {
    const events: string[] = []
    class Worker extends Service {
      override initialize(): void {
        this.tasks.registerTask('loop', async (signal) => {
          await new Promise((resolve) => signal.addEventListener('abort', resolve))
          events.push('task cleaned up')
        })
      }
      override finalize(): void {
        events.push(`finalize (tasks shut down: ${this.tasks.isShutdown})`)
      }
    }
    app.addService(Worker)
    await clock.advance(1000)
    await app.stop()
    expect(events).toEqual(['task cleaned up', 'finalize (tasks shut down: true)'])
  })
})
