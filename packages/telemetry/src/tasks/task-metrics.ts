/**
 * `TaskMetrics`: the task observer behind `tsab.task.finished`, `tsab.task.duration`, `tsab.task.active` and
 * `tsab.task.restarts`. Counters and the gauge are observable instruments read from a {@link TaskSeriesTable} at
 * collection time, so a task costs a few integer updates; only the duration histogram records per task.
 */
import type { BatchObservableResult, Histogram, Meter, Observable, ObservableCounter, ObservableUpDownCounter } from '@opentelemetry/api'
import type { ForeverHandle, TaskHandle, TaskInfo, TaskObserver } from '@tsab/core'
import { TelemetryMetrics } from '../names/telemetry-names.js'
import type { FinalState, TaskSeriesTable } from './task-series.js'

/**
 * Bucket boundaries of `tsab.task.duration`, in seconds: from a millisecond (trivial tasks) to an hour (periodic
 * and long-running tasks, whose task lasts as long as they are registered).
 */
export const TASK_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
]

// The instruments of one meter and the callback that reports the table through them.
interface MeterBinding {
  readonly meter: Meter
  readonly callback: (result: BatchObservableResult) => void
  readonly observables: Observable[]
}

/**
 * Keeps the task metrics of one TaskService on one or more meters (the global SDK's, the Prometheus
 * endpoint's). Register it as an observer; {@link TaskMetrics.close} removes its collection callbacks.
 *
 * @internal
 */
export class TaskMetrics implements TaskObserver {
  readonly #table: TaskSeriesTable
  // One per meter: a task's duration is recorded on each.
  readonly #histograms: Histogram[] = []
  readonly #bindings: MeterBinding[] = []

  /** `withDuration: false` leaves `tsab.task.duration` out (no per-task measurement through the SDK). */
  constructor(meters: readonly Meter[], table: TaskSeriesTable, withDuration: boolean) {
    this.#table = table
    for (const meter of meters) this.#bind(meter, withDuration)
  }

  /** Counts tasks that were queued or running before the observer was registered (from `list()`). */
  seed(tasks: readonly TaskInfo[]): void {
    for (const task of tasks) {
      const series = this.#table.lookup(task)
      if (task.state === 'queued') series.queued++
      else series.running++
    }
  }

  scheduled(task: TaskHandle): void {
    this.#table.lookup(task).queued++
  }

  started(task: TaskHandle): void {
    const series = this.#table.lookup(task)
    series.queued--
    series.running++
  }

  finished(task: TaskHandle): void {
    const series = this.#table.lookup(task)
    const state = task.state as FinalState
    if (state === 'succeeded') series.succeeded++
    else if (state === 'failed') series.failed++
    else series.cancelled++
    const startedAt = task.startedAt
    if (startedAt === undefined) {
      // Cancelled (or refused) before it started: it has no running time to record.
      series.queued--
      return
    }
    series.running--
    const histograms = this.#histograms
    if (histograms.length === 0) return
    const seconds = ((task.finishedAt ?? startedAt) - startedAt) / 1000
    const attributes = series.attributes[state]
    for (const histogram of histograms) histogram.record(seconds, attributes)
  }

  restarted(runner: ForeverHandle): void {
    this.#table.restartsOf(runner.name).count++
  }

  /** Removes the collection callbacks: the instruments report nothing more. */
  close(): void {
    for (const binding of this.#bindings.splice(0)) binding.meter.removeBatchObservableCallback(binding.callback, binding.observables)
  }

  #bind(meter: Meter, withDuration: boolean): void {
    const finished: ObservableCounter = meter.createObservableCounter(TelemetryMetrics.taskFinished, {
      description: 'Tasks finished, by final state (succeeded, failed, cancelled)',
      unit: '{task}',
    })
    const active: ObservableUpDownCounter = meter.createObservableUpDownCounter(TelemetryMetrics.taskActive, {
      description: 'Tasks queued or running now',
      unit: '{task}',
    })
    const restarts: ObservableCounter = meter.createObservableCounter(TelemetryMetrics.taskRestarts, {
      description: 'Restarts of runForever functions',
      unit: '{restart}',
    })
    if (withDuration) {
      this.#histograms.push(
        meter.createHistogram(TelemetryMetrics.taskDuration, {
          description: 'Running time of finished tasks that started, by final state',
          unit: 's',
          advice: { explicitBucketBoundaries: [...TASK_DURATION_BUCKETS] },
        }),
      )
    }
    const table = this.#table
    const callback = (result: BatchObservableResult): void => {
      for (const series of table.rows) {
        const { attributes } = series
        result.observe(finished, series.succeeded, attributes.succeeded)
        result.observe(finished, series.failed, attributes.failed)
        result.observe(finished, series.cancelled, attributes.cancelled)
        result.observe(active, series.queued, attributes.queued)
        result.observe(active, series.running, attributes.running)
      }
      for (const runner of table.restarts) result.observe(restarts, runner.count, runner.attributes)
    }
    const observables = [finished, active, restarts]
    meter.addBatchObservableCallback(callback, observables)
    this.#bindings.push({ meter, callback, observables })
  }
}
