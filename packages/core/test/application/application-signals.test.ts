/**
 * Signal and process-error handling in-process (spec §2, §2a): only run() installs handlers (signals with
 * handleSignals, process errors with handleProcessErrors, which defaults to handleSignals); SIGINT/SIGTERM escalate
 * stop → warning listing running tasks → exit 70; SIGHUP publishes Application.hup!; handlers are removed when
 * stopped. Signals are delivered with process.emit, so nothing is really sent to the test process; what a process
 * error does is tested in real processes (process.test.ts), as the test runner listens for those events itself.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { Application } from '../../src/application/application.js'
import { installSignalHandlers } from '../../src/application/process-signals.js'
import { Messages } from '../../src/pubsub/messages.js'
import { Service } from '../../src/service/service.js'
import { testOptions } from '../support/app.js'
import { turns } from '../support/event-loop.js'
import { hang } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
const counts = () => SIGNALS.map((s) => process.listenerCount(s))
const baseline = counts()
const ERRORS = ['unhandledRejection', 'uncaughtException'] as const
const errorCounts = () => ERRORS.map((e) => process.listenerCount(e))
// Taken once the file's own unhandled-rejection collector is installed.
let errorBaseline: number[] = []
beforeAll(() => void (errorBaseline = errorCounts()))

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
  vi.restoreAllMocks()
  expect(counts()).toEqual(baseline)
  expect(errorCounts()).toEqual(errorBaseline)
})

function make(handleSignals = true, exitTimeoutMs?: number, handleProcessErrors?: boolean) {
  const options = testOptions({
    handleSignals,
    ...(exitTimeoutMs === undefined ? {} : { exitTimeoutMs }),
    ...(handleProcessErrors === undefined ? {} : { handleProcessErrors }),
  })
  const app = new Application(options)
  cleanups.push(() => app.stop())
  return { app, lines: options.lines, clock: options.clock }
}

describe('installation', () => {
  it('start() never installs signal handlers', async () => {
    const { app } = make(true)
    await app.start()
    expect(counts()).toEqual(baseline)
  })

  it('run() installs SIGINT, SIGTERM and SIGHUP handlers and removes them once stopped', async () => {
    const { app } = make(true)
    const code = app.run()
    expect(counts()).toEqual(baseline.map((n) => n + 1))
    await app.stop()
    await code
    expect(counts()).toEqual(baseline)
  })

  it('run() installs unhandledRejection and uncaughtException handlers (handleProcessErrors defaults to handleSignals) and removes them once stopped', async () => {
    const { app } = make(true)
    const code = app.run()
    expect(errorCounts()).toEqual(errorBaseline.map((n) => n + 1))
    await app.stop()
    await code
    expect(errorCounts()).toEqual(errorBaseline)
  })

  it('handleProcessErrors is independent of handleSignals when given', async () => {
    const onlyErrors = make(false, undefined, true).app
    const codeA = onlyErrors.run()
    expect(counts()).toEqual(baseline)
    expect(errorCounts()).toEqual(errorBaseline.map((n) => n + 1))
    await onlyErrors.stop()
    await codeA
    const onlySignals = make(true, undefined, false).app
    const codeB = onlySignals.run()
    expect(counts()).toEqual(baseline.map((n) => n + 1))
    expect(errorCounts()).toEqual(errorBaseline)
    await onlySignals.stop()
    await codeB
  })

  it('start() never installs process error handlers', async () => {
    const { app } = make(true, undefined, true)
    await app.start()
    expect(errorCounts()).toEqual(errorBaseline)
  })

  it('run() with handleSignals: false installs nothing', async () => {
    const { app } = make(false)
    const code = app.run()
    await turns(5)
    expect(counts()).toEqual(baseline)
    expect(errorCounts()).toEqual(errorBaseline)
    await app.stop()
    await code
  })

  it('handlers are removed when init fails under run()', async () => {
    const { app } = make(true)
    class Broken extends Service {
      override initialize(): void {
        throw new Error('no')
      }
    }
    app.addService(Broken)
    await expect(app.run()).resolves.toBe(1)
    expect(counts()).toEqual(baseline)
  })

  it('run() on a stopped app installs nothing and returns its exit code', async () => {
    const { app } = make(true)
    await app.stop(2)
    await expect(app.run()).resolves.toBe(2)
    expect(counts()).toEqual(baseline)
  })

  it('installSignalHandlers counts SIGINT and SIGTERM together and its disposer is idempotent', () => {
    const seen: Array<[string, number]> = []
    let hups = 0
    const dispose = installSignalHandlers({ onStopSignal: (signal, n) => void seen.push([signal, n]), onHangup: () => void hups++ })
    process.emit('SIGINT', 'SIGINT')
    process.emit('SIGTERM', 'SIGTERM')
    process.emit('SIGHUP', 'SIGHUP')
    dispose()
    dispose()
    process.emit('SIGHUP', 'SIGHUP')
    expect(seen).toEqual([['SIGINT', 1], ['SIGTERM', 2]])
    expect(hups).toBe(1)
    expect(counts()).toEqual(baseline)
  })
})

describe('escalation', () => {
  it('1st SIGTERM stops gracefully with exit code 0 and counts as a stop request', async () => {
    const { app, lines } = make(true)
    const stops: unknown[] = []
    app.pubsub.subscribe(Messages.ApplicationStop, (_m, n) => void stops.push(n))
    const code = app.run()
    await turns(5)
    process.emit('SIGTERM', 'SIGTERM')
    await expect(code).resolves.toBe(0)
    expect(stops).toEqual([1])
    expect(app.state).toBe('stopped')
    expect(lines.some((l) => l.signal === 'SIGTERM' && /stopping/.test(l.msg))).toBe(true)
  })

  it('2nd SIGINT logs a warning listing the running tasks by name; 3rd exits with code 70', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never)
    const stuck = hang()
    cleanups.push(stuck.release)
    const { app, lines, clock } = make(true, 60_000)
    const stops: unknown[] = []
    app.pubsub.subscribe(Messages.ApplicationStop, (_m, n) => void stops.push(n))
    class Stubborn extends Service {
      override finalize() {
        return stuck.promise
      }
    }
    app.addService(Stubborn)
    const code = app.run()
    await turns(5)
    app.taskService.spawn(() => new Promise(() => {}), { name: 'upload-report' })
    app.taskService.spawn(() => new Promise(() => {}), { name: 'resize-images' })
    await turns(5)
    process.emit('SIGINT', 'SIGINT')
    expect(app.state).toBe('stopping')
    process.emit('SIGINT', 'SIGINT')
    const warning = lines.find((l) => l.level === 40 && l.signal === 'SIGINT')
    expect(warning?.tasks).toEqual([{ name: 'upload-report', count: 1 }, { name: 'resize-images', count: 1 }])
    expect(warning?.msg).toContain('upload-report, resize-images')
    expect(exit).not.toHaveBeenCalled()
    expect(stops).toEqual([1, 2])
    process.emit('SIGINT', 'SIGINT')
    expect(exit).toHaveBeenCalledWith(70)
    expect(lines.some((l) => l.level === 60 && l.count === 3)).toBe(true)
    // Let the app finish for real so nothing is left behind.
    stuck.release()
    await clock.advance(60_000)
    await code
  })

  it('SIGHUP publishes Application.hup! and does not stop the app', async () => {
    const { app } = make(true)
    const hups: unknown[][] = []
    app.pubsub.subscribe(Messages.ApplicationHup, (...args) => void hups.push(args))
    void app.run()
    await turns(5)
    process.emit('SIGHUP', 'SIGHUP')
    process.emit('SIGHUP', 'SIGHUP')
    expect(hups).toEqual([['Application.hup!'], ['Application.hup!']])
    expect(app.state).toBe('running')
  })

  it('several apps with run() each get their own handlers, all removed at the end', async () => {
    const a = make(true).app
    const b = make(true).app
    const codes = [a.run(), b.run()]
    expect(counts()).toEqual(baseline.map((n) => n + 2))
    process.emit('SIGTERM', 'SIGTERM')
    await expect(Promise.all(codes)).resolves.toEqual([0, 0])
    expect(counts()).toEqual(baseline)
  })
})
