/**
 * Test applications: options for a quiet app on a TestClock, and a harness that stops every app a test started
 * and fails the test that leaves an app running, a timer on its TestClock, or an unhandled rejection behind.
 */
import { afterEach, expect } from 'vitest'
import type { Application, ApplicationOptions } from '../../src/application/application.js'
import { createTestApplication, TestClock } from '../../src/testing/index.js'
import type { Logger } from '../../src/logging/logger.js'
import type { TaskService } from '../../src/tasks/task-service.js'
import { turns } from './event-loop.js'
import { memoryLogger, type LogLine } from './logs.js'
import { watchUnhandledRejections } from './unhandled.js'

/** Options for a quiet app driven by a TestClock; returns the clock and the log lines too. */
export function testOptions(extra: ApplicationOptions = {}): ApplicationOptions & { clock: TestClock; logger: Logger; lines: LogLine[] } {
  const { logger, lines } = memoryLogger()
  const clock = new TestClock()
  return { logger, clock, handleSignals: false, ...extra, lines } as ApplicationOptions & { clock: TestClock; logger: Logger; lines: LogLine[] }
}

/** The bookkeeping invariant of spec §4: every task a TaskService scheduled is in exactly one bucket. */
export function expectBalanced(ts: TaskService): void {
  const s = ts.stats()
  expect(s.scheduled).toBe(s.succeeded + s.failed + s.cancelled + s.running + s.queued)
  expect(ts.size).toBe(s.queued + s.running)
  expect(ts.list()).toHaveLength(ts.size)
  expect(s.queued).toBeGreaterThanOrEqual(0)
}

/** Options of {@link useTestApps}. */
export interface TestAppsOptions {
  /** Options every app starts with; a test's own options win. @default {} */
  defaults?: ApplicationOptions
  /** Runs first after each test, before the apps are stopped (restoring mocks and stubbed globals). */
  beforeTeardown?: () => void
}

/** What {@link useTestApps} hands the test file. */
export interface TestApps {
  /** Starts a test application (defaults first, then `appOptions`) that the harness owns. */
  startApp(appOptions?: ApplicationOptions): Promise<Application>
  /** The apps the harness owns; push an app made with `new Application()` to have it checked and stopped too. */
  apps: Application[]
  /** Unhandled rejections seen since the last test ended (asserted empty after each test). */
  unhandled: unknown[]
}

/**
 * Installs the harness for the current file. After each test every app still running is stopped (its TestClock
 * run out), then the test fails if it left an app running, a timer pending on a TestClock, or an unhandled rejection.
 */
export function useTestApps(options: TestAppsOptions = {}): TestApps {
  const unhandled = watchUnhandledRejections()
  const apps: Application[] = []
  afterEach(async () => {
    options.beforeTeardown?.()
    const left = apps.splice(0)
    const notStopped = left.filter((app) => app.state !== 'stopped').map((app) => app.name)
    for (const app of left) {
      if (app.state === 'stopped') continue
      const stopping = app.stop()
      if (app.clock instanceof TestClock) await app.clock.runAll()
      await stopping
    }
    const timersLeft = left.map((app) => (app.clock instanceof TestClock ? app.clock.pending : 0))
    await turns(2)
    expect(unhandled.splice(0)).toEqual([])
    expect(notStopped).toEqual([])
    expect(timersLeft.every((n) => n === 0)).toBe(true)
  })
  const startApp = async (appOptions: ApplicationOptions = {}): Promise<Application> => {
    const app = await createTestApplication({ ...options.defaults, ...appOptions })
    apps.push(app)
    return app
  }
  return { startApp, apps, unhandled }
}
