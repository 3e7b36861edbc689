/**
 * `FinishedTasks`: what the dashboard keeps of finished tasks one by one: the last failures (with their stacks)
 * and, while someone watches the event stream, the tasks finished since the last `task` event. Both bounded; the
 * per-group counters are in `task-groups.ts`.
 */
import type { Clock, TaskHandle } from '@tsab/core'
import type { DashboardTaskEvent, FinishedTaskSummary } from './dashboard-types.js'

/** How many failures the dashboard remembers. */
export const RECENT_FAILURES = 20
/** Tasks other than failures listed in one `task` event at most. */
export const BATCH_TASKS = 100

const MAX_MESSAGE = 2_000
const MAX_STACK = 8_000

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`
}

/**
 * The name, message and stack of whatever a task threw, bounded in size. Never throws: an error whose
 * getters throw is described as unprintable.
 */
export function describeError(error: unknown): { name: string; message: string; stack?: string } {
  try {
    if (error instanceof Error) {
      const stack = typeof error.stack === 'string' ? cut(error.stack, MAX_STACK) : undefined
      const described = { name: String(error.name), message: cut(String(error.message), MAX_MESSAGE) }
      return stack === undefined ? described : { ...described, stack }
    }
    return { name: typeof error, message: cut(String(error), MAX_MESSAGE) }
  } catch {
    return { name: 'Error', message: 'unprintable error' }
  }
}

/** The last failures, and the finished tasks of the next `task` event. */
export class FinishedTasks {
  readonly #clock: Clock
  // Ring of the last failures, oldest first once full (`#failureCount` says where the next one goes).
  readonly #failures: FinishedTaskSummary[] = []
  #failureCount = 0
  // The next `task` event: failures and other tasks separately, so a flood of successes never hides a failure.
  #batchFailures: FinishedTaskSummary[] = []
  #batchOthers: FinishedTaskSummary[] = []
  #omitted = 0

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /**
   * Records a finished task: a failure always (into the last failures), and into the next event when
   * `collecting` (someone watches the stream). Other tasks cost nothing unless collected.
   */
  add(task: TaskHandle, collecting: boolean): void {
    if (task.state === 'failed') {
      const summary = this.#summarize(task)
      this.#failures[this.#failureCount++ % RECENT_FAILURES] = summary
      if (collecting) this.#push(this.#batchFailures, RECENT_FAILURES, summary)
    } else if (collecting) {
      if (this.#batchOthers.length < BATCH_TASKS) this.#batchOthers.push(this.#summarize(task))
      else this.#omitted++
    }
  }

  /** The last failures, newest first. */
  recentFailures(): FinishedTaskSummary[] {
    const size = Math.min(this.#failureCount, RECENT_FAILURES)
    const newest: FinishedTaskSummary[] = []
    for (let i = 1; i <= size; i++) newest.push(this.#failures[(this.#failureCount - i) % RECENT_FAILURES]!)
    return newest
  }

  /** The tasks finished since the last call (in the order they finished), or `undefined` when there were none. */
  takeBatch(): DashboardTaskEvent | undefined {
    if (this.#batchFailures.length === 0 && this.#batchOthers.length === 0 && this.#omitted === 0) return undefined
    const tasks = [...this.#batchFailures, ...this.#batchOthers].sort((a, b) => a.finishedAt - b.finishedAt || a.id - b.id)
    const event = { tasks, omitted: this.#omitted }
    this.#batchFailures = []
    this.#batchOthers = []
    this.#omitted = 0
    return event
  }

  /** Forgets the pending event (nobody watches any more). */
  dropBatch(): void {
    this.#batchFailures = []
    this.#batchOthers = []
    this.#omitted = 0
  }

  // Keeps the newest `max` entries: failures are what a watcher must not miss, the latest first.
  #push(list: FinishedTaskSummary[], max: number, summary: FinishedTaskSummary): void {
    if (list.length >= max) {
      list.shift()
      this.#omitted++
    }
    list.push(summary)
  }

  #summarize(task: TaskHandle): FinishedTaskSummary {
    const finished = task.finishedAt ?? this.#clock.now()
    const summary: FinishedTaskSummary = {
      id: task.id,
      name: task.name,
      state: task.state as FinishedTaskSummary['state'],
      durationMs: task.startedAt === undefined ? null : Math.round((finished - task.startedAt) * 100) / 100,
      finishedAt: Math.round(this.#clock.wallNow() - (this.#clock.now() - finished)),
    }
    if (task.owner !== undefined) summary.owner = task.owner
    if (task.state === 'failed') summary.error = describeError(task.error)
    if (task.meta !== undefined) summary.meta = task.meta
    return summary
  }
}
