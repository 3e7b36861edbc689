/**
 * One step of exit-time run under its own deadline: its signal aborts at the step's signal time so it can wrap up,
 * a throw is logged with the culprit's name, and a step still running at its deadline is abandoned (logged by
 * name; its late failure is still logged). Which times a step gets is `exit-budget.ts`'s.
 */
import type { Clock } from '../clock/clock.js'
import { TimeoutError } from '../errors/cancellation.js'
import { isThenable } from '../internal/validate.js'
import type { Logger } from '../logging/logger.js'
import type { StepDeadline } from './exit-budget.js'

/** A unit of exit-time: a service's or module's finalize, the app's own, a wait. @internal */
export interface FinalizeStep {
  /** How the step is named in log messages, e.g. `service "Db"`. */
  readonly label: string
  /** The name put in the `service` field of its log records. */
  readonly culprit: string
  /** 1 when the step may take time (a hook that was overridden), else 0: only weighted steps keep a share. */
  readonly weight: number
  /** Runs the step; `signal` aborts at `signalAt` (clock time), shortly before the step's deadline. */
  run(signal: AbortSignal, signalAt: number): unknown
}

/** How a step ended. @internal */
export type StepOutcome = 'done' | 'failed' | 'abandoned'

/** What {@link runFinalizeStep} needs besides the step. @internal */
export interface StepContext {
  readonly clock: Clock
  /** A logger that never throws (see `guardLogger`). */
  readonly logger: Logger
}

const outOfTime = Symbol('out of time')
const NOT_YET = Symbol('not yet')
const notYet = Promise.resolve(NOT_YET)

/**
 * Runs `step` until it settles or its deadline passes; at `signalAt` its signal aborts with a `TimeoutError`.
 * A step that is done at once (a no-op hook, an async hook with nothing to wait for) arms no timer. Never throws.
 *
 * @internal
 */
export async function runFinalizeStep(step: FinalizeStep, times: StepDeadline, context: StepContext): Promise<StepOutcome> {
  const { clock, logger } = context
  const onError = (error: unknown): void => logger.error({ err: error, service: step.culprit }, `Finalizing ${step.label} failed`)
  const start = clock.now()
  const allowedMs = Math.round(times.deadline - start)
  const controller = new AbortController()
  let result: unknown
  try {
    result = step.run(controller.signal, times.signalAt)
  } catch (error) {
    onError(error)
    return 'failed'
  }
  if (!isThenable(result)) return 'done'
  const pending = Promise.resolve(result)
  try {
    // An async hook that had nothing to wait for is already settled: no timer for it.
    if ((await Promise.race([pending, notYet])) !== NOT_YET) return 'done'
  } catch (error) {
    onError(error)
    return 'failed'
  }
  const wrapUp = clock.setTimeout(
    () => controller.abort(new TimeoutError(allowedMs, `Finalizing ${step.label} reached the end of its time (${allowedMs} ms)`)),
    Math.max(0, times.signalAt - clock.now()),
  )
  let timer: unknown
  const budget = new Promise<typeof outOfTime>((resolve) => {
    timer = clock.setTimeout(() => resolve(outOfTime), Math.max(0, times.deadline - clock.now()))
  })
  try {
    if ((await Promise.race([pending, budget])) !== outOfTime) return 'done'
    pending.catch(onError)
    logger.error(
      { service: step.culprit, deadlineMs: allowedMs },
      `Finalizing ${step.label} did not finish within its deadline of ${allowedMs} ms; abandoned`,
    )
    return 'abandoned'
  } catch (error) {
    onError(error)
    return 'failed'
  } finally {
    clock.clearTimeout(timer)
    clock.clearTimeout(wrapUp)
  }
}
