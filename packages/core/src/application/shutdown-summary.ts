/**
 * The info-level record that ends exit-time (spec §2a): how long it took, how many tasks finished, were cancelled
 * or abandoned (with their most frequent names), and every service that failed or was abandoned at finalize.
 * It sees tasks through the TaskService's public API only (`stats()`, `list()`, `observe()`).
 */
import { guardLogger } from '../internal/guarded-logger.js'
import { summarizeNames, type NameSummary } from '../internal/name-summary.js'
import type { TaskStats } from '../tasks/task-types.js'
import type { Application } from './application.js'
import type { ExitReport } from './lifecycle-runner.js'

// How many names of cancelled and abandoned tasks the record shows ("top names").
const TOP_NAMES = 10
// Distinct names of cancelled tasks remembered at most; the rest are counted under one entry.
const MAX_DISTINCT_NAMES = 10_000
const OTHER_NAMES = '(other names)'

function* repeated(counts: ReadonlyMap<string, number>): Generator<string> {
  for (const [name, count] of counts) for (let i = 0; i < count; i++) yield name
}

const listed = (summary: NameSummary): string => (summary.total === 0 ? '' : ` (${summary.text})`)
const tasks = (count: number): string => `${count} task${count === 1 ? '' : 's'}`

/**
 * Watches one exit-time from its start (counts, and the names of the tasks cancelled meanwhile) and writes its
 * summary at the end.
 *
 * @internal
 */
export class ShutdownSummary {
  readonly #app: Application
  readonly #startedAt: number
  readonly #before: TaskStats
  // Name → how many tasks of that name were cancelled during exit-time.
  readonly #cancelled = new Map<string, number>()
  readonly #stopObserving: () => void

  constructor(app: Application) {
    this.#app = app
    this.#startedAt = app.clock.now()
    this.#before = app.taskService.stats()
    this.#stopObserving = app.taskService.observe({
      finished: (task) => {
        if (task.state !== 'cancelled') return
        const name = this.#cancelled.has(task.name) || this.#cancelled.size < MAX_DISTINCT_NAMES ? task.name : OTHER_NAMES
        this.#cancelled.set(name, (this.#cancelled.get(name) ?? 0) + 1)
      },
    })
  }

  /** Stops watching and writes the record (at info level). */
  write(report: ExitReport, exitCode: number): void {
    this.#stopObserving()
    const app = this.#app
    const after = app.taskService.stats()
    const before = this.#before
    const finished = after.succeeded - before.succeeded + (after.failed - before.failed)
    const cancelled = summarizeNames(repeated(this.#cancelled), TOP_NAMES)
    const abandoned = summarizeNames(
      app.taskService.list().map((info) => info.name),
      TOP_NAMES,
    )
    const failedServices = summarizeNames(report.failed)
    const abandonedServices = summarizeNames(report.abandoned)
    const durationMs = Math.round(app.clock.now() - this.#startedAt)
    const parts = [
      `${tasks(finished)} finished`,
      `${after.cancelled - before.cancelled} cancelled${listed(cancelled)}`,
      `${abandoned.total} abandoned${listed(abandoned)}`,
    ]
    let text = parts.join(', ')
    if (failedServices.total > 0) text += `; finalize failed: ${failedServices.text}`
    if (abandonedServices.total > 0) text += `; finalize abandoned: ${abandonedServices.text}`
    guardLogger(app.logger).info(
      {
        durationMs,
        exitCode,
        tasks: { finished, cancelled: after.cancelled - before.cancelled, abandoned: abandoned.total },
        cancelledTasks: cancelled.groups,
        abandonedTasks: abandoned.groups,
        failedServices: failedServices.groups.map((group) => group.name),
        abandonedServices: abandonedServices.groups.map((group) => group.name),
      },
      `Application "${app.name}" stopped in ${durationMs} ms with exit code ${exitCode}: ${text}`,
    )
  }
}
