/**
 * createTestApplication (spec §8, the Application part): a started app with a silent logger and no signal handlers.
 */
import { describe, expect, it } from 'vitest'
import { Application } from '../../src/application/application.js'
import { createTestApplication } from '../../src/testing/create-test-application.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { memoryLogger } from '../support/logs.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('createTestApplication', () => {
  it('returns a started app with a silent logger and no signal handlers', async () => {
    const before = process.listenerCount('SIGTERM')
    const app = await createTestApplication()
    expect(app).toBeInstanceOf(Application)
    expect(app.state).toBe('running')
    expect(app.logger.level).toBe('silent')
    expect(process.listenerCount('SIGTERM')).toBe(before)
    await expect(app.stop()).resolves.toBe(0)
  })

  it('passes the options on (clock, name, logger) and builds the given subclass', async () => {
    const clock = new TestClock()
    const { logger } = memoryLogger()
    class MyApp extends Application {
      ran = false
      protected override main() {
        this.ran = true
      }
    }
    const app = await createTestApplication({ clock, name: 'under-test', logger, handleSignals: true }, MyApp)
    expect(app).toBeInstanceOf(MyApp)
    expect(app.ran).toBe(true)
    expect(app.name).toBe('under-test')
    expect(app.clock).toBe(clock)
    expect(app.logger).toBe(logger)
    // handleSignals is forced off: even run() installs nothing.
    const before = process.listenerCount('SIGTERM')
    const run = app.run()
    expect(process.listenerCount('SIGTERM')).toBe(before)
    await app.stop()
    await run
    expect(clock.pending).toBe(0)
  })

  it('rejects when the app fails to start', async () => {
    class Broken extends Application {
      protected override initialize(): void {
        throw new Error('cannot start')
      }
    }
    await expect(createTestApplication({}, Broken)).rejects.toThrow('cannot start')
  })
})

