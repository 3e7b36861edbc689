import { ErrorCodes, TsabError } from '@tsab/core'
import { describe, expect, it, vi } from 'vitest'
import { TelemetryService } from '../../src/index.js'
import { useTelemetryApps } from '../support/apps.js'
import { useOpenTelemetry } from '../support/otel.js'

const otel = useOpenTelemetry()
const startApp = useTelemetryApps()

async function startError(telemetry: Record<string, unknown>): Promise<TsabError> {
  const { app } = await startApp({ start: false, config: { telemetry } })
  const error = await app.start().then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof TsabError)) throw new Error(`expected a TsabError, got ${String(error)}`)
  return error
}

describe('TelemetryService config', () => {
  it.each([
    [{ metrics: 'maybe' }, 'Config [telemetry] metrics: expected a boolean', '"maybe" (string)'],
    [{ traces: 2 }, 'Config [telemetry] traces: expected a boolean', '2 (number)'],
    [{ runtime_metrics: 'yes please' }, 'Config [telemetry] runtime_metrics: expected a boolean', '"yes please"'],
    [{ prometheus: 'sometimes' }, 'Config [telemetry] prometheus: expected a boolean', '"sometimes"'],
    [{ eventloop_resolution: '0ms' }, 'Config [telemetry] eventloop_resolution: expected a duration', '"0ms"'],
    [{ eventloop_resolution: '2.5ms' }, 'Config [telemetry] eventloop_resolution: expected a duration', '"2.5ms"'],
    [{ max_task_names: 0 }, 'Config [telemetry] max_task_names: expected an integer >= 1', '0 (number)'],
    [{ max_task_names: 'many' }, 'Config [telemetry] max_task_names: expected an integer >= 1', '"many"'],
    [{ prometheus_path: 'metrics' }, 'Config [telemetry] prometheus_path: expected a URL path starting with "/"', '"metrics" (string)'],
    [{ prometheus_path: '/metrics?x=1' }, 'Config [telemetry] prometheus_path: expected a URL path', '"/metrics?x=1"'],
    [{ prometheus: true, metrics: false }, 'Config [telemetry] prometheus: expected false while [telemetry] metrics = false', 'true (boolean)'],
  ])('rejects %j at start with a message naming the key, the value and what was expected', async (telemetry, expected, got) => {
    const error = await startError(telemetry)
    expect(error.code).toBe(ErrorCodes.ConfigValue)
    expect(error.message).toContain(expected)
    expect(error.message).toContain(got)
  })

  it('reads [telemetry] from the environment too', async () => {
    const { app } = await startApp({ start: false })
    // The config copies the environment when it is built; a fresh app sees the variable.
    vi.stubEnv('TSAB__TELEMETRY__MAX_TASK_NAMES', '-3')
    try {
      const { Application } = await import('@tsab/core')
      const other = new Application({ name: 'env', handleSignals: false, logger: app.logger })
      other.addService(TelemetryService)
      await expect(other.start()).rejects.toThrow('Config [telemetry] max_task_names: expected an integer >= 1')
      await other.stop()
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('warns about keys it does not know', async () => {
    const { lines } = await startApp({ config: { telemetry: { promethues: true } } })
    const warning = lines.find((line) => line.msg.startsWith('Unknown keys in [telemetry]'))
    expect(warning).toMatchObject({ level: 40, keys: ['promethues'] })
    expect(warning!.msg).toContain('prometheus')
  })

  it('turns task metrics and traces off with [telemetry] metrics / traces = false', async () => {
    otel.registerMetrics()
    otel.registerTracing()
    const { app, telemetry } = await startApp({ start: false, config: { telemetry: { metrics: 'off', traces: 'no' } } })
    const observe = vi.spyOn(app.taskService, 'observe')
    await app.start()
    expect([telemetry.isMeasuring, telemetry.isTracing]).toEqual([false, false])
    expect(observe).not.toHaveBeenCalled()
  })
})
