import { metrics, ProxyTracerProvider, trace } from '@opentelemetry/api'
import { describe, expect, it, vi } from 'vitest'
import { useTelemetryApps } from '../support/apps.js'
import { useOpenTelemetry } from '../support/otel.js'

const otel = useOpenTelemetry()
const startApp = useTelemetryApps()

describe('TelemetryService without an OpenTelemetry SDK', () => {
  it('registers no observer and measures nothing, so tasks cost what they cost without it', async () => {
    const { app, telemetry, lines } = await startApp({ start: false })
    const observe = vi.spyOn(app.taskService, 'observe')
    await app.start()
    expect(observe).not.toHaveBeenCalled()
    expect([telemetry.isMeasuring, telemetry.isTracing]).toEqual([false, false])
    expect(lines.some((line) => line.level === 20 && line.msg.startsWith('No OpenTelemetry SDK registered'))).toBe(true)
    const [handle] = app.taskService.schedule(async () => 42)
    expect(await handle!.result).toBe(42)
    await app.stop()
  })

  it('finds the SDK registered before the start: metrics only, traces only, or both', async () => {
    otel.registerMetrics()
    const metricsOnly = await startApp()
    expect([metricsOnly.telemetry.isMeasuring, metricsOnly.telemetry.isTracing]).toEqual([true, false])
    await metricsOnly.app.stop()
    metrics.disable()

    otel.registerTracing()
    const tracesOnly = await startApp()
    expect([tracesOnly.telemetry.isMeasuring, tracesOnly.telemetry.isTracing]).toEqual([false, true])
    await tracesOnly.app.stop()

    otel.registerMetrics()
    const both = await startApp()
    expect([both.telemetry.isMeasuring, both.telemetry.isTracing]).toEqual([true, true])
    expect(both.lines.find((line) => line.msg.startsWith('Telemetry on'))).toMatchObject({ level: 30, metrics: true, traces: true })
  })

  it('treats a globally registered proxy with no SDK behind it as no SDK', async () => {
    // What a second copy of @opentelemetry/api registers when nothing was set up through it.
    trace.setGlobalTracerProvider(new ProxyTracerProvider())
    try {
      const { telemetry } = await startApp()
      expect(telemetry.isTracing).toBe(false)
    } finally {
      trace.disable()
    }
  })
})
