import type { IntervalHistogram } from 'node:perf_hooks'
import { DataPointType } from '@opentelemetry/sdk-metrics'
import { describe, expect, it, vi } from 'vitest'
import { TelemetryMetrics } from '../../src/index.js'
import { realSleep } from '../../../core/test/support/event-loop.js'
import { useTelemetryApps } from '../support/apps.js'
import { useOpenTelemetry } from '../support/otel.js'

// Every delay monitor the service creates, with the options it was created with: to prove it is stopped.
const monitors = vi.hoisted(() => [] as Array<{ histogram: IntervalHistogram; options: unknown }>)
vi.mock('node:perf_hooks', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:perf_hooks')>()
  return {
    ...actual,
    monitorEventLoopDelay: (options?: Parameters<typeof actual.monitorEventLoopDelay>[0]) => {
      const histogram = actual.monitorEventLoopDelay(options)
      monitors.push({ histogram, options })
      return histogram
    },
  }
})

const otel = useOpenTelemetry()
const startApp = useTelemetryApps()
const { eventLoopDelayP50, eventLoopDelayP99, eventLoopDelayMax, eventLoopUtilization } = TelemetryMetrics

function blockFor(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // busy: the event loop is blocked
  }
}

describe('TelemetryService runtime metrics', () => {
  it('reports event-loop delay (seconds) and utilization under the OpenTelemetry runtime names', async () => {
    monitors.length = 0
    const sdk = otel.registerMetrics()
    await startApp({ config: { telemetry: { eventloop_resolution: '5ms' } } })
    expect(monitors).toHaveLength(1)
    expect(monitors[0]!.options).toEqual({ resolution: 5 })
    // A blocked loop and a few idle turns: the delay monitor sees the block, the utilization the busy share.
    await realSleep(5)
    blockFor(60)
    await realSleep(5)
    const collected = await sdk.collect()
    const p50 = collected.value(eventLoopDelayP50)!
    const p99 = collected.value(eventLoopDelayP99)!
    const max = collected.value(eventLoopDelayMax)!
    const utilization = collected.value(eventLoopUtilization)!
    // How late the timer fired: the 60 ms block minus the 5 ms sampling interval, at least.
    expect(max).toBeGreaterThanOrEqual(0.05)
    expect(max).toBeLessThan(10)
    expect(p99).toBeLessThanOrEqual(max)
    expect(p50).toBeGreaterThanOrEqual(0)
    expect(p50).toBeLessThanOrEqual(p99)
    expect(utilization).toBeGreaterThan(0.2)
    expect(utilization).toBeLessThanOrEqual(1)
    for (const name of [eventLoopDelayP50, eventLoopDelayP99, eventLoopDelayMax, eventLoopUtilization]) {
      expect(collected.type(name), name).toBe(DataPointType.GAUGE)
    }
    const units = Object.fromEntries(
      collected.resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => [metric.descriptor.name, metric.descriptor.unit])),
    )
    expect(units).toMatchObject({ [eventLoopDelayP99]: 's', [eventLoopUtilization]: '1' })
  })

  it('measures each collection window afresh', async () => {
    monitors.length = 0
    const sdk = otel.registerMetrics()
    await startApp()
    await realSleep(15)
    blockFor(200)
    await realSleep(15)
    const first = (await sdk.collect()).value(eventLoopDelayMax)!
    expect(first).toBeGreaterThanOrEqual(0.18)
    await realSleep(60)
    // The block is in the previous window: this one only had ordinary turns (generous: the machine may be busy).
    expect((await sdk.collect()).value(eventLoopDelayMax)!).toBeLessThan(first)
  })

  it('stops the delay monitor and its collection callback at finalize', async () => {
    monitors.length = 0
    const sdk = otel.registerMetrics()
    const { app } = await startApp()
    expect(sdk.liveCallbacks.size).toBe(2)
    await app.stop()
    expect(monitors).toHaveLength(1)
    // disable() is false when the monitor was already disabled.
    expect(monitors[0]!.histogram.disable()).toBe(false)
    expect(sdk.liveCallbacks.size).toBe(0)
  })

  it('starts no monitor with [telemetry] runtime_metrics = false, nor without an SDK', async () => {
    monitors.length = 0
    const sdk = otel.registerMetrics()
    const { telemetry } = await startApp({ config: { telemetry: { runtime_metrics: 'off' } } })
    expect(telemetry.isMeasuring).toBe(true)
    expect(monitors).toHaveLength(0)
    // Only the task metrics' callback.
    expect(sdk.liveCallbacks.size).toBe(1)
    expect((await sdk.collect()).names.filter((name) => name.startsWith('nodejs.'))).toEqual([])
  })
})
