/**
 * Contract §14 (cron schedules), black-box through `@tsab/core` and `@tsab/core/testing`: Clock.wallNow, the
 * TestClock's wall time, TaskManager.registerCron/nextRuns, CronOptions and the @cron decorator.
 */
import { Cron } from 'croner'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import {
  CancelledError,
  cron,
  realClock,
  Service,
  TaskManager,
  type Clock,
  type CronOptions,
  type TaskHandle,
} from '@tsab/core'
import { createTestApplication, TestClock } from '@tsab/core/testing'
import { turns } from '../support/event-loop.js'
import { silentLogger } from '../support/logs.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()

afterEach(async () => {
  await turns()
  expect(unhandled.splice(0)).toEqual([])
})

describe('§14 Clock.wallNow and the TestClock wall time', () => {
  it('realClock.wallNow() is Date.now()', () => {
    const clock: Clock = realClock
    expect(Math.abs(clock.wallNow() - Date.now())).toBeLessThan(50)
  })

  it('new TestClock({ wallTime }) takes a number or a Date, and its wall time advances with advance()', async () => {
    const clock = new TestClock({ wallTime: new Date('2030-01-01T00:00:00Z') })
    await clock.advance(86_400_000)
    expect(new Date(clock.wallNow()).toISOString()).toBe('2030-01-02T00:00:00.000Z')
    expect(new TestClock({ wallTime: 1_000 }).wallNow()).toBe(1_000)
  })
})

describe('§14 TaskManager.registerCron', () => {
  it('types: registerCron<T> returns TaskHandle<T>; nextRuns returns Date[]; CronOptions has the documented fields', () => {
    const manager = new TaskManager({ clock: new TestClock(), logger: silentLogger() })
    expectTypeOf(manager.registerCron('typed', '* * * * *', () => 42)).toEqualTypeOf<TaskHandle<number>>()
    expectTypeOf(manager.nextRuns('typed', 2)).toEqualTypeOf<Date[]>()
    expectTypeOf<CronOptions>().toEqualTypeOf<{ timezone?: string; overlap?: 'skip' | 'wait' | 'allow'; stopOnError?: boolean }>()
    void manager.shutdownTaskManager()
  })

  it('a */5-second job fires 720 times in one simulated hour; nextRuns follows croner in the time zone', async () => {
    const start = Date.UTC(2024, 2, 30, 12) // the day before Prague springs forward
    const clock = new TestClock({ wallTime: start })
    const manager = new TaskManager({ clock, logger: silentLogger() })
    let runs = 0
    manager.registerCron('beat', '*/5 * * * * *', () => void runs++)
    manager.registerCron('night', '30 2 * * *', () => {}, { timezone: 'Europe/Prague' })
    expect(manager.nextRuns('night', 3)).toEqual(new Cron('30 2 * * *', { timezone: 'Europe/Prague' }).nextRuns(3, new Date(start)))
    await clock.advance(3_600_000)
    expect(runs).toBe(720)
    await manager.shutdownTaskManager()
    expect(clock.pending).toBe(0)
  })

  it("overlap 'skip' is the default; stopOnError false by default; the handle settles when cancelled", async () => {
    const clock = new TestClock({ wallTime: Date.UTC(2024, 0, 1) })
    const manager = new TaskManager({ clock, logger: silentLogger() })
    let starts = 0
    let n = 0
    const slow = manager.registerCron('slow', '* * * * * *', () => {
      starts++
      return new Promise<void>((resolve) => clock.setTimeout(resolve, 2_500))
    })
    manager.registerCron('throws', '* * * * * *', () => {
      if (++n === 1) throw new Error('first run fails')
    })
    await clock.advance(6_500) // runs at 1 s and 4 s; fires at 2, 3, 5, 6 s skipped
    expect(starts).toBe(2)
    expect(n).toBe(6)
    expect(manager.isPendingTaskActive('throws')).toBe(true)
    manager.cancelPendingTask('slow')
    await clock.advance(1_000)
    await expect(slow.result).rejects.toBeInstanceOf(CancelledError)
    await manager.shutdownTaskManager()
  })

  it('an invalid pattern or time zone throws TypeError/RangeError naming the argument; nothing is registered', () => {
    const manager = new TaskManager({ clock: new TestClock(), logger: silentLogger() })
    expect(() => manager.registerCron('bad', 'every minute', () => {})).toThrow(/`pattern`/)
    expect(() => manager.registerCron('bad', '* * * * *', () => {}, { timezone: 'Atlantis/Capital' })).toThrow(RangeError)
    expect(() => manager.registerCron('bad', '* * * * *', () => {}, { timezone: 'Atlantis/Capital' })).toThrow(/`options.timezone`/)
    expect(manager.getTasks()).toEqual([])
  })
})

describe('§14 @cron', () => {
  it('registers on service.tasks at init and is stopped before the service finalize()', async () => {
    const calls: string[] = []
    class Nightly extends Service {
      @cron('* * * * *')
      job() {
        calls.push('job')
      }
      override finalize() {
        calls.push(`finalize (schedule active: ${this.tasks.isPendingTaskActive('Nightly.job')})`)
      }
    }
    const clock = new TestClock({ wallTime: Date.UTC(2024, 0, 1) })
    const app = await createTestApplication({ clock })
    app.addService(Nightly)
    await clock.advance(0)
    await clock.advance(120_000)
    await app.stop()
    expect(calls).toEqual(['job', 'job', 'finalize (schedule active: false)'])
    expect(clock.pending).toBe(0)
  })
})
