/**
 * `RuntimeMetrics`: Node's event-loop delay (`monitorEventLoopDelay`) and utilization (`eventLoopUtilization`)
 * under OpenTelemetry's runtime names, as observable gauges. Owns the delay monitor's timer and stops it; the
 * task metrics are `tasks/task-metrics.ts`'s.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks'
import type { BatchObservableResult, Meter, Observable, ObservableGauge } from '@opentelemetry/api'
import { TelemetryMetrics } from '../names/telemetry-names.js'

const NS_PER_S = 1e9

// The gauges of one meter and the callback that reports through them.
interface MeterBinding {
  readonly meter: Meter
  readonly callback: (result: BatchObservableResult) => void
  readonly observables: Observable[]
}

/** One reading: event-loop delay percentiles in seconds and the utilization (0–1) over the window. */
interface Reading {
  p50: number
  p99: number
  max: number
  utilization: number
}

/**
 * Reports the event loop's health on one or more meters. Values cover the window since the previous
 * collection (by any reader); a window without a delay sample repeats the previous reading.
 *
 * The delay is how late the monitor's timer fired: Node's histogram records the whole interval between two
 * samples, so the sampling resolution is taken off (an idle loop reports about 0, not the resolution).
 *
 * @internal
 */
export class RuntimeMetrics {
  // Sampling the delay runs a native timer every `resolutionMs`: created in the constructor, disabled in close().
  readonly #delay: IntervalHistogram
  // Nanoseconds of a sampling interval, part of every recorded value.
  readonly #resolutionNs: number
  #lastUtilization: EventLoopUtilization
  #reading: Reading = { p50: 0, p99: 0, max: 0, utilization: 0 }
  readonly #bindings: MeterBinding[] = []
  #closed = false

  constructor(meters: readonly Meter[], resolutionMs: number) {
    this.#resolutionNs = resolutionMs * 1e6
    this.#delay = monitorEventLoopDelay({ resolution: resolutionMs })
    this.#delay.enable()
    this.#lastUtilization = performance.eventLoopUtilization()
    for (const meter of meters) this.#bind(meter)
  }

  /** True until {@link RuntimeMetrics.close}. */
  get isMonitoring(): boolean {
    return !this.#closed
  }

  /** Stops the delay monitor and removes the collection callbacks. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#delay.disable()
    for (const binding of this.#bindings.splice(0)) binding.meter.removeBatchObservableCallback(binding.callback, binding.observables)
  }

  // Takes a reading of the window since the previous one and starts the next window.
  #read(): Reading {
    const delay = this.#delay
    const now = performance.eventLoopUtilization()
    const utilization = performance.eventLoopUtilization(now, this.#lastUtilization).utilization
    this.#lastUtilization = now
    if (delay.count > 0) {
      const late = (ns: number): number => Math.max(0, ns - this.#resolutionNs) / NS_PER_S
      this.#reading = { p50: late(delay.percentile(50)), p99: late(delay.percentile(99)), max: late(delay.max), utilization }
      delay.reset()
    } else {
      this.#reading = { ...this.#reading, utilization }
    }
    return this.#reading
  }

  #bind(meter: Meter): void {
    const gauge = (name: string, description: string, unit: string): ObservableGauge =>
      meter.createObservableGauge(name, { description, unit })
    const p50 = gauge(TelemetryMetrics.eventLoopDelayP50, 'Event loop delay, median over the last collection window', 's')
    const p99 = gauge(TelemetryMetrics.eventLoopDelayP99, 'Event loop delay, 99th percentile over the last collection window', 's')
    const max = gauge(TelemetryMetrics.eventLoopDelayMax, 'Event loop delay, maximum over the last collection window', 's')
    const utilization = gauge(TelemetryMetrics.eventLoopUtilization, 'Share of the last collection window the event loop was busy', '1')
    const callback = (result: BatchObservableResult): void => {
      const reading = this.#read()
      result.observe(p50, reading.p50)
      result.observe(p99, reading.p99)
      result.observe(max, reading.max)
      result.observe(utilization, reading.utilization)
    }
    const observables = [p50, p99, max, utilization]
    meter.addBatchObservableCallback(callback, observables)
    this.#bindings.push({ meter, callback, observables })
  }
}
