/**
 * `TaskSeriesTable`: the running totals behind the task metrics, one row per (bounded name, owner), updated by the
 * observer without allocating and read by the observable instruments at collection time. Bounded: past the
 * configured number of rows, new names share one overflow row. Reporting to OpenTelemetry is `task-metrics.ts`'s.
 */
import type { Attributes } from '@opentelemetry/api'
import { boundedTaskName } from '../names/task-names.js'
import { TelemetryAttributes } from '../names/telemetry-names.js'

/** A final task state. */
export type FinalState = 'succeeded' | 'failed' | 'cancelled'

/** `tsab.task.state` values of one row: the two active ones and the three final ones. */
type SeriesState = 'queued' | 'running' | FinalState

/** The name a row reports when the table is full (see `[telemetry] max_task_names`). */
export const OVERFLOW_TASK_NAME = '(other)'

/** What a row is looked up by: a `TaskHandle` or a `TaskInfo`. */
export interface SeriesKey {
  readonly id: number
  readonly name: string
  readonly owner?: string | undefined
}

/**
 * One (bounded name, owner): counts of tasks queued and running now and of tasks finished so far by state, and
 * the attribute sets it reports them with (built once, shared by every measurement).
 */
export class TaskSeries {
  /** Tasks of this row queued now. */
  queued = 0
  /** Tasks of this row running now. */
  running = 0
  /** Tasks of this row that succeeded so far. */
  succeeded = 0
  /** Tasks of this row that failed so far. */
  failed = 0
  /** Tasks of this row cancelled so far (also before they started). */
  cancelled = 0
  /** The attributes of each `tsab.task.state` value of this row. */
  readonly attributes: Readonly<Record<SeriesState, Attributes>>

  constructor(
    readonly name: string,
    readonly owner: string | undefined,
  ) {
    const base: Attributes = { [TelemetryAttributes.taskName]: name }
    if (owner !== undefined) base[TelemetryAttributes.taskOwner] = owner
    const withState = (state: SeriesState): Attributes => Object.freeze({ ...base, [TelemetryAttributes.taskState]: state })
    this.attributes = {
      queued: withState('queued'),
      running: withState('running'),
      succeeded: withState('succeeded'),
      failed: withState('failed'),
      cancelled: withState('cancelled'),
    }
  }
}

/** Restarts of one `runForever` runner, by bounded name. */
export interface RestartSeries {
  count: number
  readonly attributes: Attributes
}

// Per owner: rows by bounded name, and a cache of the names tasks carry that are their own bounded name.
interface OwnerRows {
  readonly byBoundedName: Map<string, TaskSeries>
  // Only names `boundedTaskName` leaves unchanged are cached: numbered and default names would grow it for ever.
  readonly byStableName: Map<string, TaskSeries>
}

/**
 * The rows of the task metrics, at most `limit` of them (plus one overflow row named `(other)`, without owner).
 *
 * @internal
 */
export class TaskSeriesTable {
  readonly #limit: number
  // Called once, the first time a name does not fit.
  readonly #onOverflow: (name: string, owner: string | undefined) => void
  readonly #owners = new Map<string | undefined, OwnerRows>()
  // Every row, in creation order, for the collection callbacks.
  readonly #rows: TaskSeries[] = []
  #overflow: TaskSeries | undefined
  readonly #restarts = new Map<string, RestartSeries>()
  #restartOverflow: RestartSeries | undefined
  // The last row found by a stable name: tasks usually come in runs of the same name, and then no map is read.
  #lastName: string | undefined
  #lastOwner: string | undefined
  #lastRow: TaskSeries | undefined

  constructor(limit: number, onOverflow: (name: string, owner: string | undefined) => void) {
    this.#limit = limit
    this.#onOverflow = onOverflow
  }

  /** Every row (the overflow row last, once used). */
  get rows(): readonly TaskSeries[] {
    return this.#rows
  }

  /** Every runner with restarts. */
  get restarts(): IterableIterator<RestartSeries> {
    return this.#restarts.values()
  }

  /** The row of a task; created on first sight. */
  lookup(task: SeriesKey): TaskSeries {
    const name = task.name
    const owner = task.owner
    if (name === this.#lastName && owner === this.#lastOwner) return this.#lastRow!
    const rows = this.#owners.get(owner)
    const hit = rows?.byStableName.get(name)
    if (hit === undefined) return this.#resolve(task, rows)
    this.#lastName = name
    this.#lastOwner = owner
    this.#lastRow = hit
    return hit
  }

  /** The restart counter of a `runForever` runner; created on first sight. */
  restartsOf(runnerName: string): RestartSeries {
    const hit = this.#restarts.get(runnerName)
    if (hit !== undefined) return hit
    if (this.#restarts.size >= this.#limit) {
      return (this.#restartOverflow ??= { count: 0, attributes: { [TelemetryAttributes.taskName]: OVERFLOW_TASK_NAME } })
    }
    const series: RestartSeries = { count: 0, attributes: Object.freeze({ [TelemetryAttributes.taskName]: runnerName }) }
    this.#restarts.set(runnerName, series)
    return series
  }

  #resolve(task: SeriesKey, known: OwnerRows | undefined): TaskSeries {
    const rows = known ?? this.#ownerRows(task.owner)
    const bounded = boundedTaskName(task)
    let series = rows.byBoundedName.get(bounded)
    if (series === undefined) {
      // Rows are never removed, so once one name overflowed every later new name does too.
      if (this.#overflow !== undefined || this.#rows.length >= this.#limit) return this.#overflowRow(task)
      series = new TaskSeries(bounded, task.owner)
      rows.byBoundedName.set(bounded, series)
      this.#rows.push(series)
    }
    if (bounded === task.name) rows.byStableName.set(bounded, series)
    return series
  }

  #ownerRows(owner: string | undefined): OwnerRows {
    const rows: OwnerRows = { byBoundedName: new Map(), byStableName: new Map() }
    this.#owners.set(owner, rows)
    return rows
  }

  #overflowRow(task: SeriesKey): TaskSeries {
    if (this.#overflow === undefined) {
      this.#overflow = new TaskSeries(OVERFLOW_TASK_NAME, undefined)
      this.#rows.push(this.#overflow)
      this.#onOverflow(task.name, task.owner)
    }
    return this.#overflow
  }
}
