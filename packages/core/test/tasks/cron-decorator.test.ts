import { afterEach, describe, expect, it } from 'vitest'
import { Application } from '../../src/application/application.js'
import { DuplicateTaskError } from '../../src/errors/errors.js'
import { Messages } from '../../src/pubsub/messages.js'
import { Service, createdTasksOf } from '../../src/service/service.js'
import { cron } from '../../src/tasks/cron-decorator.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { silentLogger } from '../support/logs.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()
const START = Date.UTC(2024, 0, 1)
let clock: TestClock
let app: Application | undefined

function newApp(): Application {
  clock = new TestClock({ wallTime: START })
  app = new Application({ clock, logger: silentLogger(), handleSignals: false })
  return app
}

/** Waits `ms` on the test clock; rejects with the signal's reason when it aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clock.clearTimeout(timer)
      reject(signal.reason)
    }, { once: true })
  })
}

afterEach(async () => {
  if (app !== undefined && app.state !== 'stopped') await app.stop()
  app = undefined
  await turns()
  expect(clock.pending).toBe(0)
  expect(unhandled.splice(0)).toEqual([])
})

describe('@cron', () => {
  it('registers the decorated method on service.tasks at init, even when initialize() does not call super', async () => {
    class Reports extends Service {
      readonly seen: Array<[string, boolean]> = []
      override initialize() {
        // no super.initialize()
      }
      @cron('*/10 * * * * *')
      tick(signal: AbortSignal) {
        this.seen.push([new Date(this.app.clock.wallNow()).toISOString(), signal instanceof AbortSignal])
      }
    }
    const reports = newApp().addService(Reports)
    const done: TaskHandle[] = []
    app!.pubsub.subscribe(Messages.TaskDone, (_message, handle: TaskHandle) => void done.push(handle))
    await app!.start()
    expect(reports.tasks.isPendingTaskActive('Reports.tick')).toBe(true)
    await clock.advance(30_000)
    expect(reports.seen).toEqual([
      ['2024-01-01T00:00:10.000Z', true],
      ['2024-01-01T00:00:20.000Z', true],
      ['2024-01-01T00:00:30.000Z', true],
    ])
    expect(done.map((handle) => [handle.name, handle.owner, handle.state])).toEqual(
      Array(3).fill(['Reports.tick', 'Reports', 'succeeded']),
    )
  })

  it('registers only after initialize() resolved: no run against a half-initialized service', async () => {
    const calls: string[] = []
    class Slow extends Service {
      override async initialize() {
        calls.push('init:start')
        await pause(25_000) // across two fire times
        calls.push('init:end')
      }
      @cron('*/10 * * * * *')
      tick() {
        calls.push(`tick@${(this.app.clock.wallNow() - START) / 1000}s`)
      }
    }
    newApp().addService(Slow)
    const started = app!.start()
    await clock.advance(40_000)
    await started
    expect(calls).toEqual(['init:start', 'init:end', 'tick@30s', 'tick@40s'])
  })

  it('is stopped (its running job cancelled and settled) before the service finalize()', async () => {
    const calls: string[] = []
    class Worker extends Service {
      @cron('* * * * *')
      async job(signal: AbortSignal) {
        calls.push('job:start')
        try {
          await pause(10 * 60_000, signal)
        } finally {
          calls.push(signal.aborted ? 'job:aborted' : 'job:end')
        }
      }
      override finalize() {
        calls.push(`finalize: active=${this.tasks.isPendingTaskActive('Worker.job')}`)
      }
    }
    newApp().addService(Worker)
    await app!.start()
    await clock.advance(60_000)
    const stopped = app!.stop()
    await clock.advance(0)
    await stopped
    expect(calls).toEqual(['job:start', 'job:aborted', 'finalize: active=false'])
    await clock.advance(10 * 60_000)
    expect(calls).toHaveLength(3)
  })

  it('takes options and a name; one method may carry several schedules with distinct names', async () => {
    class Multi extends Service {
      readonly runs: string[] = []
      @cron('0 9 * * *', { name: 'morning', timezone: 'Europe/Prague' })
      @cron('0 17 * * *', { name: 'evening', timezone: 'Europe/Prague', overlap: 'wait' })
      report() {
        this.runs.push(new Date(this.app.clock.wallNow()).toISOString())
      }
    }
    const multi = newApp().addService(Multi)
    await app!.start()
    expect(multi.tasks.cronInfo('evening')).toMatchObject({ pattern: '0 17 * * *', timezone: 'Europe/Prague', overlap: 'wait' })
    await clock.advance(24 * 3_600_000)
    expect(multi.runs).toEqual(['2024-01-01T08:00:00.000Z', '2024-01-01T16:00:00.000Z'])
  })

  it('inherits: a subclass override is what runs; a subclass that re-decorates replaces the base schedule', async () => {
    const calls: string[] = []
    class Base extends Service {
      @cron('* * * * *')
      job() {
        calls.push('base')
      }
    }
    class Inherits extends Base {
      override job() {
        calls.push('inherits')
      }
    }
    class Redecorates extends Base {
      @cron('*/2 * * * *')
      override job() {
        calls.push('redecorates')
      }
    }
    const inherits = newApp().addService(Inherits)
    const redecorates = app!.addService(Redecorates)
    await app!.start()
    expect(inherits.tasks.getTasks().map((task) => task.name)).toEqual(['Base.job'])
    expect(redecorates.tasks.getTasks().map((task) => task.name)).toEqual(['Redecorates.job'])
    await clock.advance(2 * 60_000)
    expect(calls.sort()).toEqual(['inherits', 'inherits', 'redecorates'])
  })

  it('registers the schedules of a service added while the app runs, after its initialize()', async () => {
    class Late extends Service {
      runs = 0
      @cron('* * * * *')
      job() {
        this.runs++
      }
    }
    newApp()
    await app!.start()
    const late = app!.addService(Late)
    await clock.advance(0)
    expect(late.tasks.isPendingTaskActive('Late.job')).toBe(true)
    await clock.advance(60_000)
    expect(late.runs).toBe(1)
  })

  it('a name that initialize() already registered fails start() with DuplicateTaskError and leaves nothing behind', async () => {
    class Clash extends Service {
      override initialize() {
        this.tasks.registerCron('Clash.job', '0 * * * *', () => {})
      }
      @cron('* * * * *')
      job() {}
    }
    newApp().addService(Clash)
    await expect(app!.start()).rejects.toBeInstanceOf(DuplicateTaskError)
    expect(app!.state).toBe('stopped')
  })

  it('registers nothing when the service fails to initialize', async () => {
    let runs = 0
    class Broken extends Service {
      override initialize() {
        throw new Error('no database')
      }
      @cron('* * * * * *')
      job() {
        runs++
      }
    }
    const broken = newApp().addService(Broken)
    await expect(app!.start()).rejects.toThrow('no database')
    expect(createdTasksOf(broken)).toBeUndefined()
    await clock.advance(5_000)
    expect(runs).toBe(0)
  })

  describe('checks at class definition', () => {
    it('rejects a bad pattern, time zone or option, naming it', () => {
      expect(() => cron('61 * * * *')).toThrow(RangeError)
      expect(() => cron('nope')).toThrow(/Expected `pattern`/)
      expect(() => cron('0 0 30 2 *')).toThrow(/never matches/)
      expect(() => cron('* * * * *', { timezone: 'Nowhere/Town' })).toThrow(/Expected `options.timezone`/)
      expect(() => cron('* * * * *', { overlap: 'sometimes' as never })).toThrow(RangeError)
      expect(() => cron('* * * * *', { name: '' })).toThrow(/Expected `options.name`/)
      expect(() => cron('* * * * *', { every: 5 } as never)).toThrow(/Unknown option `options.every`/)
    })

    it('rejects a member that is not an instance method of a Service', () => {
      expect(() => {
        class Plain {
          @cron('* * * * *')
          job() {}
        }
        return Plain
      }).toThrow(/Expected `@cron\("\* \* \* \* \*"\) target job` to be an instance method of a Service subclass/)
      expect(() => {
        class Static extends Service {
          @cron('* * * * *')
          static job() {}
        }
        return Static
      }).toThrow(/instance method of a Service subclass/)
      expect(() => {
        class Getter extends Service {
          @cron('* * * * *')
          get job() {
            return 1
          }
        }
        return Getter
      }).toThrow(/to be a method/)
    })

    it('rejects two schedules of one class under the same name', () => {
      expect(() => {
        class Twice extends Service {
          @cron('0 * * * *')
          @cron('30 * * * *')
          job() {}
        }
        return Twice
      }).toThrow(/Two @cron schedules of Twice are named "Twice.job"/)
    })
  })
})
