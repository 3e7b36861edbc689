/**
 * The blocked-loop warning (spec §2a): one unref'd real timer that measures its own lateness, and the one warning
 * it leads to, naming the task tsab entered last (when it ran during the block or still runs) and the tasks
 * running then. No async hooks: the cost is one timer callback every tenth of the threshold.
 */
import { guardLogger } from '../internal/guarded-logger.js'
import { summarizeNames } from '../internal/name-summary.js'
import type { TaskHandle } from '../tasks/task-types.js'
import { lastEnteredTask } from '../tasks/task.js'
import type { Application } from './application.js'

// Captured at load: the event loop is real even when a test fakes the timers or the clock.
const realSetTimeout = globalThis.setTimeout
const realClearTimeout = globalThis.clearTimeout
const performanceNow = performance.now.bind(performance)

// Beyond this many queued and running tasks the warning names only the last-entered one: list() makes one object
// per task, queued ones included, and listing a million of them would block the loop again.
const MAX_LISTED_TASKS = 10_000

/** What a {@link LoopMonitor} calls. @internal */
export interface LoopMonitorCallbacks {
  /** Every check, on time or not (cheap: it runs every tenth of the threshold). */
  sample(): void
  /** A check came at least `thresholdMs` late: the loop did not turn for at least `blockedMs`. */
  blocked(blockedMs: number): void
}

/**
 * Checks every `thresholdMs / 10` (10 ms to 1 s) how late its own timer fires; lateness of at least `thresholdMs`
 * is a blocked loop. A block is noticed once it lasted the threshold plus one check period, and reported when the
 * loop turns again.
 *
 * @internal
 */
export class LoopMonitor {
  readonly #thresholdMs: number
  readonly #periodMs: number
  readonly #callbacks: LoopMonitorCallbacks
  #timer: ReturnType<typeof setTimeout> | undefined
  // When the previous check ran (performance.now()).
  #last = 0

  constructor(thresholdMs: number, callbacks: LoopMonitorCallbacks) {
    this.#thresholdMs = thresholdMs
    this.#periodMs = Math.min(1_000, Math.max(10, Math.round(thresholdMs / 10)))
    this.#callbacks = callbacks
  }

  /** Starts watching (idempotent). The timer never keeps the process alive. */
  start(): void {
    if (this.#timer !== undefined) return
    this.#last = performanceNow()
    this.#timer = realSetTimeout(this.#check, this.#periodMs)
    this.#timer.unref()
  }

  /** Stops watching (idempotent). */
  stop(): void {
    if (this.#timer === undefined) return
    realClearTimeout(this.#timer)
    this.#timer = undefined
  }

  readonly #check = (): void => {
    const now = performanceNow()
    const lateMs = now - this.#last - this.#periodMs
    this.#last = now
    // Re-armed first: a throwing callback must not end the watch.
    this.#timer?.refresh()
    if (lateMs >= this.#thresholdMs) this.#callbacks.blocked(lateMs)
    this.#callbacks.sample()
  }
}

/**
 * Watches the event loop of `app` while it lives: a block of at least `thresholdMs` is logged once, at warn level,
 * with how long it lasted and the tasks running then, the last-entered task first. Returns the function that stops
 * watching. `thresholdMs` 0 watches nothing.
 *
 * @internal
 */
export function watchEventLoop(app: Application, thresholdMs: number): () => void {
  if (thresholdMs <= 0) return () => {}
  const log = guardLogger(app.logger)
  // The last-entered task as of the previous check: a different one now was entered during the block.
  let previous: TaskHandle | undefined = lastEnteredTask()
  const monitor = new LoopMonitor(thresholdMs, {
    sample: () => {
      previous = lastEnteredTask()
    },
    blocked: (blockedMs) => {
      if (!log.isLevelEnabled('warn')) return
      const suspect = lastEnteredTask()
      const named = suspect !== undefined && (suspect !== previous || suspect.state === 'running') ? suspect : undefined
      const { running } = app.taskService.stats()
      const others =
        running > 0 && app.taskService.size <= MAX_LISTED_TASKS
          ? app.taskService.list().filter((info) => info.state === 'running' && info.id !== named?.id).map((info) => info.name)
          : []
      const rest = summarizeNames(others)
      const suspectName = named === undefined ? undefined : summarizeNames([named.name]).groups[0]!.name
      const tasks = suspectName === undefined ? rest.groups : [{ name: suspectName, count: 1 }, ...rest.groups]
      const ms = Math.round(blockedMs)
      const parts = suspectName === undefined ? [] : [`${suspectName} (entered last)`]
      if (rest.total > 0 || parts.length === 0) parts.push(rest.text)
      log.warn(
        { blockedMs: ms, thresholdMs, lastEnteredTask: suspectName, running, tasks, more: rest.more },
        `Event loop blocked for ${ms} ms (threshold ${thresholdMs} ms); tasks running then: ${parts.join(', ')}`,
      )
    },
  })
  monitor.start()
  return () => monitor.stop()
}
