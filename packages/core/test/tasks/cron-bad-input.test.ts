import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TaskManager } from '../../src/tasks/task-manager.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { silentLogger } from '../support/logs.js'

let clock: TestClock
let manager: TaskManager

beforeEach(() => {
  clock = new TestClock({ wallTime: Date.UTC(2024, 0, 1) })
  manager = new TaskManager({ clock, logger: silentLogger() })
})

afterEach(async () => {
  await manager.shutdownTaskManager()
  expect(clock.pending).toBe(0)
})

const noop = (): void => {}

// [case, arguments, error class, message]
const CASES: Array<[string, () => unknown, ErrorConstructor, RegExp]> = [
  ['name not a string', () => manager.registerCron(1 as never, '* * * * *', noop), TypeError, /Expected `name` to be a non-empty string, got 1 \(number\)/],
  ['empty name', () => manager.registerCron('', '* * * * *', noop), RangeError, /Expected `name`/],
  ['pattern not a string', () => manager.registerCron('job', 5 as never, noop), TypeError, /Expected `pattern` to be a valid cron pattern \(5 or 6 fields: .*\), got 5 \(number\)/],
  ['empty pattern', () => manager.registerCron('job', '', noop), TypeError, /Expected `pattern` to be a valid cron pattern \(5 or 6 fields/],
  ['four fields', () => manager.registerCron('job', '* * * *', noop), TypeError, /Expected `pattern`.*got "\* \* \* \*" \(string\)/],
  ['seven fields', () => manager.registerCron('job', '0 0 0 1 1 * 2030', noop), TypeError, /Expected `pattern`.*5 or 6 parts/],
  ['illegal characters', () => manager.registerCron('job', 'x * * * *', noop), TypeError, /Expected `pattern`.*illegal characters/],
  ['minute out of range', () => manager.registerCron('job', '61 * * * *', noop), RangeError, /Expected `pattern`.*Invalid value for minute: 61/],
  ['never fires', () => manager.registerCron('job', '0 0 30 2 *', noop), RangeError, /Expected `pattern` to be a valid cron pattern that fires, got "0 0 30 2 \*" \(string\): it never matches after 2024-01-01T00:00:00.000Z/],
  ['task not a function', () => manager.registerCron('job', '* * * * *', Promise.resolve(1) as never), TypeError, /Expected `task` to be a function/],
  ['options not an object', () => manager.registerCron('job', '* * * * *', noop, 'UTC' as never), TypeError, /Expected `options` to be an object/],
  ['timezone not a string', () => manager.registerCron('job', '* * * * *', noop, { timezone: 1 as never }), TypeError, /Expected `options.timezone` to be a non-empty string/],
  ['empty timezone', () => manager.registerCron('job', '* * * * *', noop, { timezone: '' }), RangeError, /Expected `options.timezone`/],
  ['unknown timezone', () => manager.registerCron('job', '* * * * *', noop, { timezone: 'Mars/Olympus_Mons' }), RangeError, /Expected `options.timezone` to be an IANA time zone .*got "Mars\/Olympus_Mons" \(string\)/],
  ['overlap not a string', () => manager.registerCron('job', '* * * * *', noop, { overlap: true as never }), TypeError, /Expected `options.overlap` to be 'skip', 'wait' or 'allow', got true \(boolean\)/],
  ['unknown overlap', () => manager.registerCron('job', '* * * * *', noop, { overlap: 'queue' as never }), RangeError, /Expected `options.overlap` to be 'skip', 'wait' or 'allow', got "queue"/],
  ['stopOnError not a boolean', () => manager.registerCron('job', '* * * * *', noop, { stopOnError: 'yes' as never }), TypeError, /Expected `options.stopOnError` to be a boolean/],
  ['timeZone (NestJS spelling)', () => manager.registerCron('job', '* * * * *', noop, { timeZone: 'UTC' } as never), TypeError, /Unknown option `options.timeZone`; did you mean `timezone`\?/],
  ['unknown option', () => manager.registerCron('job', '* * * * *', noop, { name: 'x' } as never), TypeError, /Unknown option `options.name`/],
]

describe('registerCron() bad input', () => {
  it.each(CASES)('%s: throws synchronously naming the argument, registers nothing', (_case, call, Kind, message) => {
    let thrown: unknown
    try {
      call()
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(Kind)
    expect((thrown as Error).message).toMatch(message)
    expect(manager.getTasks()).toEqual([])
    expect(manager.isPendingTaskActive('job')).toBe(false)
    expect(clock.pending).toBe(0)
  })

  it('a name that failed to register with a bad pattern can be registered right after', () => {
    expect(() => manager.registerCron('job', 'nope', noop)).toThrow(TypeError)
    expect(manager.registerCron('job', '* * * * *', noop).name).toBe('job')
  })

  it('keeps croner’s error as the cause', () => {
    try {
      manager.registerCron('job', '61 * * * *', noop)
      expect.unreachable()
    } catch (error) {
      expect((error as Error).cause).toBeInstanceOf(Error)
    }
  })

  it('refuses a clock without wallNow() with a TypeError naming options.clock', () => {
    const old = { now: () => 0, setTimeout: () => 0, clearTimeout: noop }
    const legacy = new TaskManager({ clock: old as never, logger: silentLogger() })
    expect(() => legacy.registerCron('job', '* * * * *', noop)).toThrow(/Expected `options.clock` to be a Clock with wallNow\(\)/)
    expect(legacy.getTasks()).toEqual([])
  })
})
