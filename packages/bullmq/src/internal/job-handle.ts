/**
 * `JobRecordHandle`: the one JobHandle implementation both backends hand out. It owns the result promise and the
 * last known state; each backend decides when to settle it and how `cancel()` reaches the job.
 */
import type { JobHandle, JobState } from '../queue-types.js'
import { observed } from '@tsab/core/support'

const FINISHED: ReadonlySet<JobState> = new Set(['completed', 'failed', 'cancelled'])

/** A job handle whose state and outcome the owning backend drives. */
export class JobRecordHandle<R = unknown> implements JobHandle<R> {
  readonly id: string
  readonly name: string
  readonly result: Promise<R>
  #state: JobState
  // Settle the result exactly once; later calls are ignored (events can arrive twice across instances).
  #resolve!: (value: R) => void
  #reject!: (error: unknown) => void
  // How this backend cancels; returns whether the cancel reached an unfinished job.
  readonly #cancel: (handle: JobRecordHandle<R>, reason: string | undefined) => Promise<boolean>

  constructor(
    id: string,
    name: string,
    state: JobState,
    cancel: (handle: JobRecordHandle<R>, reason: string | undefined) => Promise<boolean>,
  ) {
    this.id = id
    this.name = name
    this.#state = state
    this.#cancel = cancel
    this.result = new Promise<R>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    // A caller that never reads `result` must not get an unhandled rejection.
    this.result.catch(() => {})
  }

  get state(): JobState {
    return this.#state
  }

  /** True once completed, failed or cancelled. */
  get isFinished(): boolean {
    return FINISHED.has(this.#state)
  }

  cancel(reason?: string): Promise<boolean> {
    if (reason !== undefined && typeof reason !== 'string') {
      return observed(Promise.reject(new TypeError(`Expected \`reason\` to be a string, got ${typeof reason}`)))
    }
    if (this.isFinished) return Promise.resolve(false)
    // Observed: a backend failure rejects it, and the caller may attach its handler only later.
    return observed(this.#cancel(this, reason))
  }

  /** Moves an unfinished job to another unfinished state. */
  setState(state: 'waiting' | 'delayed' | 'active'): void {
    if (!this.isFinished) this.#state = state
  }

  /** Settles the job as completed with `value` (ignored once finished). */
  complete(value: R): boolean {
    if (this.isFinished) return false
    this.#state = 'completed'
    this.#resolve(value)
    return true
  }

  /** Settles the job as failed or cancelled with `error` (ignored once finished). */
  fail(state: 'failed' | 'cancelled', error: unknown): boolean {
    if (this.isFinished) return false
    this.#state = state
    this.#reject(error)
    return true
  }
}
