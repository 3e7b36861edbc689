/**
 * The public types of cron schedules (spec §14), through `@tsab/core`: what `registerCron`, `nextRuns` and
 * `CronOptions` look like to a user. Behaviour is in cron.test.ts, cron-decorator.test.ts and the others.
 */
import { describe, expectTypeOf, it } from 'vitest'
import { TaskManager, type CronOptions, type TaskHandle } from '@tsab/core'
import { TestClock } from '@tsab/core/testing'
import { silentLogger } from '../support/logs.js'

describe('cron types', () => {
  it('types: registerCron<T> returns TaskHandle<T>; nextRuns returns Date[]; CronOptions has the documented fields', () => {
    const manager = new TaskManager({ clock: new TestClock(), logger: silentLogger() })
    expectTypeOf(manager.registerCron('typed', '* * * * *', () => 42)).toEqualTypeOf<TaskHandle<number>>()
    expectTypeOf(manager.nextRuns('typed', 2)).toEqualTypeOf<Date[]>()
    expectTypeOf<CronOptions>().toEqualTypeOf<{ timezone?: string; overlap?: 'skip' | 'wait' | 'allow'; stopOnError?: boolean }>()
    void manager.shutdownTaskManager()
  })

})
