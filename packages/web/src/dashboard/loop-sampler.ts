/**
 * `LoopSampler`: the event loop's health for the dashboard, from `perf_hooks`: the p99 of
 * `monitorEventLoopDelay()` (beyond its sampling interval, as `@fastify/under-pressure` counts it) and the
 * `eventLoopUtilization()` over each interval between two samples. It owns the
 * delay histogram (enabled by `start()`, disabled by `stop()`).
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks'
import type { LoopSummary } from './dashboard-types.js'

/** The histogram's sampling interval in ms: fine enough for a p99 of a few ms, cheap enough to run always. */
const RESOLUTION_MS = 20

/** Event-loop delay and utilization, sampled once per interval. */
export class LoopSampler {
  #histogram: IntervalHistogram | undefined
  // The utilization counters at the previous sample: each sample is the difference.
  #utilization: EventLoopUtilization | undefined
  #latest: LoopSummary = { delayP99Ms: 0, utilization: 0 }

  /** Whether the delay histogram is enabled. */
  get isRunning(): boolean {
    return this.#histogram !== undefined
  }

  /** Enables the delay histogram and starts the first interval. */
  start(): void {
    if (this.#histogram !== undefined) return
    this.#histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
    this.#histogram.enable()
    this.#utilization = performance.eventLoopUtilization()
  }

  /** Ends the interval: its delay p99 (ms) and utilization (0 to 1); the next interval starts now. */
  sample(): LoopSummary {
    const histogram = this.#histogram
    if (histogram === undefined || this.#utilization === undefined) return this.#latest
    const now = performance.eventLoopUtilization()
    const utilization = performance.eventLoopUtilization(now, this.#utilization).utilization
    this.#utilization = now
    // The histogram counts in nanoseconds, each sample the whole time between two of its ticks: the delay is what
    // exceeds the tick. Before its first tick of the interval it has no sample.
    const delayP99Ms = histogram.count > 0 ? Math.max(0, histogram.percentile(99) / 1e6 - RESOLUTION_MS) : 0
    histogram.reset()
    this.#latest = { delayP99Ms: Math.round(delayP99Ms * 100) / 100, utilization: Math.round(utilization * 1000) / 1000 }
    return this.#latest
  }

  /** The last sample. */
  get latest(): LoopSummary {
    return { ...this.#latest }
  }

  /** Disables the histogram (safe to call twice). */
  stop(): void {
    this.#histogram?.disable()
    this.#histogram = undefined
    this.#utilization = undefined
  }
}
