/**
 * The Application's own config (spec §2a): `[logging] level` / `LOG_LEVEL` and the `[Application]` section are read
 * and checked at init-time; a bad value fails `start()` with `[section] key`, the value and what was expected,
 * before any service is initialized. Environment overrides come from `process.env`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Application, type ApplicationOptions } from '../../src/application/application.js'
import { ErrorCodes } from '../../src/errors/codes.js'
import { TsabError } from '../../src/errors/tsab-error.js'
import { Service } from '../../src/service/service.js'
import { testOptions } from '../support/app.js'
import { turns } from '../support/event-loop.js'
import { hang } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

const apps: Application[] = []
const savedEnv = { ...process.env }
afterEach(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key]
  Object.assign(process.env, savedEnv)
  for (const app of apps.splice(0)) await app.stop()
})

function make(options: ApplicationOptions = {}) {
  const app = new Application(options)
  apps.push(app)
  return app
}

/** An app whose one service records whether it was initialized. */
function probe(options: ApplicationOptions) {
  const app = make(options)
  const seen: string[] = []
  class Probe extends Service {
    override initialize() {
      seen.push('initialized')
    }
  }
  app.addService(Probe)
  return { app, seen }
}

describe('the default logger level', () => {
  it('is config [logging] level, else env LOG_LEVEL, else info; case and blanks around do not matter', () => {
    delete process.env['LOG_LEVEL']
    expect(make({ handleSignals: false }).logger.level).toBe('info')
    process.env['LOG_LEVEL'] = ' Error '
    expect(make({ handleSignals: false }).logger.level).toBe('error')
    expect(make({ handleSignals: false, config: { logging: { level: 'WARN' } } }).logger.level).toBe('warn')
    process.env['TSAB__LOGGING__LEVEL'] = 'debug'
    expect(make({ handleSignals: false, config: { logging: { level: 'warn' } } }).logger.level).toBe('debug')
  })

  it('LOG_LEVEL=verbose: the app is built (logging at info) and start() fails naming LOG_LEVEL, [logging] level and the levels', async () => {
    process.env['LOG_LEVEL'] = 'verbose'
    const { app, seen } = probe({ handleSignals: false, logger: undefined })
    expect(app.logger.level).toBe('info')
    const error = await app.start().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(TsabError)
    expect((error as TsabError).code).toBe(ErrorCodes.ConfigValue)
    expect((error as Error).message).toBe(
      'LOG_LEVEL (the default of config [logging] level): expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "verbose" (string)',
    )
    expect(seen).toEqual([])
    expect(app.state).toBe('stopped')
    expect(app.exitCode).toBe(1)
  })

  it('[logging] level = loud: start() fails naming [logging] level; run() resolves to 1', async () => {
    const app = make({ handleSignals: false, config: { logging: { level: 'loud' } } })
    await expect(app.run()).resolves.toBe(1)
    await expect(app.start()).rejects.toThrow(/^Config \[logging\] level: expected one of "fatal", .*"silent", got "loud" \(string\)$/)
  })

  it('a logger given in the options is used as is, whatever the level config says', async () => {
    const options = testOptions({ config: { logging: { level: 'verbose' } } })
    const app = make(options)
    expect(app.logger).toBe(options.logger)
    await expect(app.start()).resolves.toBeUndefined()
  })
})

describe('[Application] config', () => {
  it.each([
    ['finalize_timeout', 'bogus', /^Config \[Application\] finalize_timeout: expected a duration > 0 <= 86400000 ms .*, got "bogus" \(string\)$/],
    ['finalize_timeout', '0s', /finalize_timeout: expected a duration > 0 .*, got "0s"/],
    ['finalize_timeout', '2d', /finalize_timeout: expected .*<= 86400000 ms.*, got "2d"/],
    ['finalize_timeout', '1e309s', /finalize_timeout: .*got "1e309s"/],
    ['blocked_loop_warning', '-5ms', /^Config \[Application\] blocked_loop_warning: expected a duration >= 0 <= 86400000 ms .*, got "-5ms" \(string\)$/],
    ['blocked_loop_warning', 'soon', /blocked_loop_warning: .*got "soon"/],
  ])('[Application] %s = %j fails start() before any service is initialized', async (key, value, message) => {
    const { lines, ...options } = testOptions({ config: { Application: { [key]: value } } })
    const { app, seen } = probe(options)
    const error = await app.start().then(() => undefined, (e: unknown) => e)
    expect((error as TsabError).code).toBe(ErrorCodes.ConfigValue)
    expect((error as Error).message).toMatch(message)
    expect(seen).toEqual([])
    expect(app.exitCode).toBe(1)
    expect(lines.some((l) => l.level === 50 && l.msg.includes(`[Application] ${key}`))).toBe(true)
  })

  it('reads finalize_timeout from the environment: a hanging finalize is abandoned after it (plus a tenth of it)', async () => {
    process.env['TSAB__APPLICATION__FINALIZE_TIMEOUT'] = '100ms'
    const options = testOptions({ exitTimeoutMs: 60_000 })
    const app = make(options)
    const stuck = hang()
    class Stuck extends Service {
      override finalize() {
        return stuck.promise
      }
    }
    app.addService(Stuck)
    await app.start()
    const stopping = app.stop()
    await options.clock.advance(109)
    expect(app.state).toBe('stopping')
    await options.clock.advance(1)
    await expect(stopping).resolves.toBe(1)
    expect(options.lines.find((l) => l.service === 'Stuck' && l.level === 50)?.msg).toBe(
      'Finalizing service "Stuck" did not finish within its deadline of 110 ms; abandoned',
    )
    stuck.release()
  })
})

describe('environment overrides', () => {
  it('an app reads TSAB__<SECTION>__<KEY> from process.env ([TaskService] max_concurrency)', async () => {
    process.env['TSAB__TASKSERVICE__MAX_CONCURRENCY'] = '1'
    const app = make(testOptions())
    delete process.env['TSAB__TASKSERVICE__MAX_CONCURRENCY']
    await app.start()
    const release: Array<() => void> = []
    const handles = app.taskService.schedule(
      () => new Promise<void>((resolve) => release.push(resolve)),
      () => new Promise<void>((resolve) => release.push(resolve)),
    )
    await turns(2)
    expect(handles.map((h) => h.state)).toEqual(['running', 'queued'])
    release.shift()!()
    await handles[0]!.settled
    await turns(2)
    expect(handles[1]!.state).toBe('running')
    release.shift()!()
  })
})
