/**
 * Fault injection: broken loggers, throwing or hanging subscribers, errors that cannot be printed, thenables
 * that settle several times, stop() from odd places, lifecycle misuse, and services whose hooks throw
 * non-Errors or hang. The application must say what happened (naming the culprit) and carry on or stop cleanly.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  Application,
  InvalidStateError,
  Messages,
  Service,
  TaskManager,
  type Logger,
  type TaskHandle,
} from '../../src/index.js'
import { TestClock } from '../../src/testing/index.js'
import { turns, until } from '../support/event-loop.js'
import { type LogLine, memoryLogger, throwingLogger } from '../support/logs.js'
import { deferred } from '../support/promises.js'
import { installFaultCollector } from '../support/unhandled.js'

let collector: ReturnType<typeof installFaultCollector>
beforeEach(() => {
  collector = installFaultCollector()
})
afterEach(async () => {
  await turns(2)
  collector.dispose()
  expect(collector.faults).toEqual([])
})

function newApp(logger: Logger, extra: Record<string, unknown> = {}): Application {
  return new Application({
    name: 'faulty',
    logger,
    handleSignals: false,
    exitTimeoutMs: 300,
    config: { TaskService: { shutdown_timeout: '50ms' } },
    ...extra,
  })
}

function errorLines(lines: LogLine[]): LogLine[] {
  return lines.filter((line) => line.level >= 50)
}

function failingTasks(app: Application): TaskHandle[] {
  return [
    app.taskService.spawn(() => {
      throw new Error('sync failure')
    }, { name: 'sync-thrower' }),
    app.taskService.spawn(async () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 42
    }, { name: 'number-thrower' }),
    app.taskService.spawn(Promise.reject(new Error('early')), { name: 'early-rejection' }),
  ]
}

describe('a logger whose destination throws', () => {
  it('never breaks tasks, runForever, TaskManager, PubSub or the lifecycle', async () => {
    const { logger, attempts } = throwingLogger()
    class Worker extends Service {
      override initialize(): void {
        this.tasks.registerTask('boom', () => {
          throw new Error('named task failure')
        })
        this.tasks.registerTask('tick', () => undefined, { interval: 5, stopOnError: false })
      }
    }
    const app = newApp(logger)
    app.addService(Worker)
    app.pubsub.subscribe(Messages.TaskDone, () => {
      throw new Error('subscriber failure')
    })
    await app.start()
    const handles = failingTasks(app)
    const [forever] = app.taskService.runForever({
      name: 'crashy',
      run: () => {
        throw new Error('forever failure')
      },
      backoff: { initialMs: 1, maxMs: 2 },
    })
    await Promise.all(handles.map((handle) => handle.settled))
    expect(handles.map((handle) => handle.state)).toEqual(['failed', 'failed', 'failed'])
    await until(() => forever!.restarts >= 2)
    expect(forever!.restarts).toBeGreaterThanOrEqual(2)
    expect(forever!.running).toBe(true)
    expect(await app.stop()).toBe(0)
    expect(app.state).toBe('stopped')
    expect(forever!.running).toBe(false)
    expect(app.taskService.size).toBe(0)
    const stats = app.taskService.stats()
    expect(stats.scheduled).toBe(stats.succeeded + stats.failed + stats.cancelled)
    expect(attempts()).toBeGreaterThan(0)
  })

  it('never breaks a standalone TaskManager', async () => {
    const { logger } = throwingLogger()
    const manager = new TaskManager({ name: 'standalone', logger })
    const failing = manager.registerTask('fails', () => {
      throw new Error('standalone failure')
    })
    const periodic = manager.registerTask('periodic', () => {
      throw new Error('periodic failure')
    }, { interval: 1, stopOnError: false })
    await failing.settled
    expect(failing.state).toBe('failed')
    await turns(5)
    await manager.shutdownTaskManager()
    expect(periodic.state).toBe('cancelled')
  })
})

describe('task_done! subscribers', () => {
  it('a throwing subscriber is logged with the message name and the others still run', async () => {
    const { logger, lines } = memoryLogger()
    const app = newApp(logger)
    const seen: string[] = []
    app.pubsub.subscribe(Messages.TaskDone, () => {
      throw new Error('subscriber failure')
    })
    app.pubsub.subscribe(Messages.TaskDone, (_message, handle: TaskHandle) => {
      seen.push(handle.name)
    })
    await app.start()
    const handle = app.taskService.spawn(async () => 'ok', { name: 'observed' })
    await handle.settled
    expect(handle.state).toBe('succeeded')
    expect(seen).toEqual(['observed'])
    expect(errorLines(lines).some((line) => JSON.stringify(line).includes(Messages.TaskDone))).toBe(true)
    expect(await app.stop()).toBe(0)
  })

  it('a subscriber that never returns does not hold the service or stop()', async () => {
    const { logger } = memoryLogger()
    const app = newApp(logger)
    let calls = 0
    app.pubsub.subscribe(Messages.TaskDone, () => {
      calls++
      return new Promise<void>(() => {})
    })
    await app.start()
    const handles = app.taskService.schedule(async () => 1, async () => 2, () => 3)
    await Promise.all(handles.map((handle) => handle.settled))
    expect(calls).toBe(3)
    expect(app.taskService.size).toBe(0)
    expect(await app.stop()).toBe(0)
  })
})

describe('errors that cannot be printed', () => {
  function unprintable(): Error {
    const error = new Error('placeholder')
    Object.defineProperty(error, 'message', {
      get() {
        throw new Error('message getter exploded')
      },
    })
    Object.defineProperty(error, 'stack', {
      get() {
        throw new Error('stack getter exploded')
      },
    })
    error.toString = () => {
      throw new Error('toString exploded')
    }
    return error
  }

  it('a task failing with an error whose message getter and toString throw is failed and logged by name', async () => {
    const { logger, lines } = memoryLogger()
    const app = newApp(logger)
    await app.start()
    const weird = {
      get message(): string {
        throw new Error('message getter exploded')
      },
      toString(): string {
        throw new Error('toString exploded')
      },
    }
    const handles = [
      app.taskService.spawn(() => {
        throw unprintable()
      }, { name: 'unprintable-error' }),
      app.taskService.spawn(async () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw weird
      }, { name: 'unprintable-object' }),
    ]
    await Promise.all(handles.map((handle) => handle.settled))
    expect(handles.map((handle) => handle.state)).toEqual(['failed', 'failed'])
    const text = JSON.stringify(errorLines(lines))
    expect(text).toContain('unprintable-error')
    expect(text).toContain('unprintable-object')
    expect(await app.stop()).toBe(0)
  })
})

describe('thenables that settle several times', () => {
  function multi(first: 'resolve' | 'reject'): PromiseLike<string> {
    return {
      then(onFulfilled, onRejected) {
        if (first === 'resolve') {
          onFulfilled?.('first')
          onRejected?.(new Error('second'))
        } else {
          onRejected?.(new Error('first'))
          onFulfilled?.('second')
        }
        onFulfilled?.('third')
        return undefined as never
      },
    }
  }

  it('end in exactly one state, taken from the first call, and are published once', async () => {
    const { logger } = memoryLogger('silent')
    const app = newApp(logger)
    const published = new Map<TaskHandle, number>()
    app.pubsub.subscribe(Messages.TaskDone, (_message, handle: TaskHandle) => {
      published.set(handle, (published.get(handle) ?? 0) + 1)
    })
    await app.start()
    const handles = [
      app.taskService.spawn(multi('resolve')),
      app.taskService.spawn(multi('reject')),
      app.taskService.spawn(() => multi('resolve')),
      app.taskService.spawn(() => multi('reject')),
    ]
    await Promise.all(handles.map((handle) => handle.settled))
    await turns(3)
    expect(handles.map((handle) => handle.state)).toEqual(['succeeded', 'failed', 'succeeded', 'failed'])
    expect(handles[0]!.value).toBe('first')
    expect((handles[1]!.error as Error).message).toBe('first')
    for (const handle of handles) expect(published.get(handle)).toBe(1)
    expect(await app.stop()).toBe(0)
  })
})

describe('stop() from odd places', () => {
  it('from inside a task: the app stops, the calling task finishes, its handle is accounted for', async () => {
    const { logger } = memoryLogger('silent')
    const app = newApp(logger)
    await app.start()
    let inner: Promise<number> | undefined
    const handle = app.taskService.spawn(async () => {
      inner = app.stop(3)
      return 'asked to stop'
    }, { name: 'stopper' })
    await handle.settled
    expect(handle.state).toBe('succeeded')
    expect(await inner).toBe(3)
    expect(app.state).toBe('stopped')
    expect(app.taskService.stats()).toMatchObject({ scheduled: 1, succeeded: 1, running: 0, queued: 0 })
  })

  it('from inside a task that awaits its own stop(): the task is cut off by the exit budget, never a deadlock', async () => {
    const clock = new TestClock()
    const { logger, lines } = memoryLogger()
    const app = newApp(logger, { clock })
    await app.start()
    const handle = app.taskService.spawn(async () => {
      await app.stop()
    }, { name: 'awaits-own-stop' })
    // Let the task start and call stop(), then drive virtual time through the budget.
    await until(() => app.state === 'stopping')
    for (let i = 0; i < 50 && app.state !== 'stopped'; i++) await clock.advance(20)
    expect(app.state).toBe('stopped')
    await handle.settled
    expect(handle.state).toBe('succeeded')
    expect(JSON.stringify(lines)).toContain('awaits-own-stop')
  })

  it('from inside subscribers of task_done!, Application.run! and Application.stop!', async () => {
    const { logger } = memoryLogger('silent')
    const app = newApp(logger)
    let stopCalls = 0
    app.pubsub.subscribe(Messages.ApplicationStop, () => {
      stopCalls++
      if (stopCalls < 5) void app.stop()
    })
    app.pubsub.subscribe(Messages.TaskDone, () => void app.stop(2))
    await app.start()
    app.taskService.schedule(() => 'done')
    await until(() => app.state === 'stopped')
    expect(app.state).toBe('stopped')
    expect(await app.stop()).toBe(2)

    const other = newApp(logger)
    other.pubsub.subscribe(Messages.ApplicationRun, () => void other.stop(4))
    await other.start()
    expect(await other.stop()).toBe(4)
    expect(other.state).toBe('stopped')
  })
})

describe('lifecycle misuse', () => {
  it('start() twice returns the same promise and initializes once', async () => {
    const { logger } = memoryLogger('silent')
    const app = newApp(logger)
    let initialized = 0
    class Counter extends Service {
      override initialize(): void {
        initialized++
      }
    }
    app.addService(Counter)
    const first = app.start()
    const second = app.start()
    expect(second).toBe(first)
    await Promise.all([first, second])
    expect(initialized).toBe(1)
    expect(await app.stop()).toBe(0)
  })

  it('stop() before start(): stopped at once; a later start() rejects with InvalidStateError and nothing runs', async () => {
    const { logger } = memoryLogger('silent')
    const app = newApp(logger)
    let initialized = 0
    class Counter extends Service {
      override initialize(): void {
        initialized++
      }
    }
    app.addService(Counter)
    expect(await app.stop()).toBe(0)
    expect(app.state).toBe('stopped')
    await expect(app.start()).rejects.toBeInstanceOf(InvalidStateError)
    expect(initialized).toBe(0)
    expect(await app.run()).toBe(0)
  })

  it('run() after stop() resolves with the exit code and installs nothing', async () => {
    const { logger } = memoryLogger('silent')
    const app = newApp(logger)
    await app.start()
    await app.stop(5)
    const before = process.listenerCount('SIGTERM')
    expect(await app.run()).toBe(5)
    expect(process.listenerCount('SIGTERM')).toBe(before)
  })
})

describe('services whose hooks misbehave', () => {
  it('initialize() throwing a non-Error: start() rejects with it, the culprit is named, the others are finalized', async () => {
    const { logger, lines } = memoryLogger()
    const app = newApp(logger)
    const calls: string[] = []
    class Good extends Service {
      override finalize(): void {
        calls.push('good:finalize')
      }
    }
    class Bad extends Service {
      override initialize(): void {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw 'not an error'
      }
      override finalize(): void {
        calls.push('bad:finalize')
      }
    }
    app.addService(Good)
    app.addService(Bad)
    await expect(app.start()).rejects.toBe('not an error')
    expect(app.state).toBe('stopped')
    expect(app.exitCode).toBe(1)
    expect(calls).toEqual(['good:finalize'])
    expect(errorLines(lines).some((line) => line['service'] === 'Bad' && line.msg.includes('service "Bad"'))).toBe(true)
  })

  it('finalize() throwing a non-Error or hanging is logged by name; the others are still finalized within the budget', async () => {
    const clock = new TestClock()
    const { logger, lines } = memoryLogger()
    const app = newApp(logger, { clock })
    const calls: string[] = []
    class First extends Service {
      override finalize(): void {
        calls.push('first')
      }
    }
    class Thrower extends Service {
      override finalize(): void {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw { code: 'weird' }
      }
    }
    class Hanger extends Service {
      override finalize(): Promise<void> {
        return new Promise(() => {})
      }
    }
    class Last extends Service {
      override finalize(): void {
        calls.push('last')
      }
    }
    app.addService(First)
    app.addService(Thrower)
    app.addService(Hanger)
    app.addService(Last)
    await app.start()
    let code: number | undefined
    void app.stop().then((value) => (code = value))
    for (let i = 0; i < 50 && code === undefined; i++) await clock.advance(20)
    expect(code).toBe(1)
    expect(clock.now()).toBeLessThanOrEqual(300 + 20)
    expect(calls).toEqual(['last', 'first'])
    const errors = errorLines(lines)
    expect(errors.some((line) => line['service'] === 'Thrower')).toBe(true)
    expect(errors.some((line) => line['service'] === 'Hanger' && line.msg.includes('did not finish within its deadline'))).toBe(true)
    expect(clock.pending).toBe(0)
  })

  it('initialize() that hangs: stop() still ends the app within the exit budget, naming the culprit', async () => {
    const clock = new TestClock()
    const { logger, lines } = memoryLogger()
    const app = newApp(logger, { clock })
    const gate = deferred()
    class Hanger extends Service {
      override initialize(): Promise<void> {
        return gate.promise
      }
    }
    app.addService(Hanger)
    void app.start().catch(() => {})
    await turns(2)
    expect(app.state).toBe('initializing')
    let code: number | undefined
    void app.stop().then((value) => (code = value))
    for (let i = 0; i < 50 && code === undefined; i++) await clock.advance(20)
    expect(code).toBeDefined()
    expect(app.state).toBe('stopped')
    expect(code).toBe(1)
    expect(clock.now()).toBeLessThanOrEqual(2 * 300 + 20)
    expect(errorLines(lines).some((line) => line['service'] === 'Hanger' && line.msg.includes('exit budget'))).toBe(true)
    expect(clock.pending).toBe(0)
    gate.resolve()
  })
})
