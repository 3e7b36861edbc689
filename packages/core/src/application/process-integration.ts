/**
 * An Application as a program: what the signal and process-error handlers that `run()` installs do (a graceful
 * stop; the running tasks at the 2nd signal; an emergency exit at the 3rd; a fatal record and a stop with code 1 on
 * a crash), and `Application.main`: run, flush the logger, end the process with the exit code. The handlers
 * themselves are installed by `process-signals.ts` and `process-errors.ts`.
 */
import { guardLogger } from '../internal/guarded-logger.js'
import { summarizeNames } from '../internal/name-summary.js'
import { describeValue } from '../internal/validate.js'
import { createLogger, type Logger } from '../logging/logger.js'
import { Messages } from '../pubsub/messages.js'
import type { Application } from './application.js'
import { installProcessErrorHandlers, type ProcessErrorKind } from './process-errors.js'
import { installSignalHandlers } from './process-signals.js'

/** Which handlers {@link integrateProcess} installs. @internal */
export interface ProcessIntegrationOptions {
  /** SIGINT/SIGTERM escalation and SIGHUP. */
  readonly signals: boolean
  /** `unhandledRejection` and `uncaughtException`. */
  readonly errors: boolean
}

const EMERGENCY_EXIT_CODE = 70
// Crash records written at most: a timer that throws every millisecond must not flood the log.
const MAX_CRASH_RECORDS = 20
// How long Application.main waits for the logger to flush before it ends the process anyway.
const FLUSH_TIMEOUT_MS = 2_000

/**
 * Installs the process handlers of a running app (through its public API only) and returns the function that
 * removes them all (safe to call twice).
 *
 * @internal
 */
export function integrateProcess(app: Application, options: ProcessIntegrationOptions): () => void {
  const log = guardLogger(app.logger)
  const disposers: Array<() => void> = []
  if (options.signals) {
    disposers.push(
      installSignalHandlers({
        onStopSignal: (signal, count) => onStopSignal(app, log, signal, count),
        onHangup: () => app.pubsub.publish(Messages.ApplicationHup),
      }),
    )
  }
  if (options.errors) {
    let crashes = 0
    disposers.push(installProcessErrorHandlers((kind, error) => onProcessError(app, log, kind, error, ++crashes)))
  }
  return () => {
    for (const dispose of disposers.splice(0)) dispose()
  }
}

function onStopSignal(app: Application, log: Logger, signal: NodeJS.Signals, count: number): void {
  if (count >= 3) {
    log.fatal({ signal, count }, `Received ${signal} ${count} times; emergency exit`)
    process.exit(EMERGENCY_EXIT_CODE)
  }
  if (count === 2) {
    const running = summarizeNames(app.taskService.list().filter((info) => info.state === 'running').map((info) => info.name))
    log.warn(
      { signal, running: running.total, tasks: running.groups, more: running.more },
      `Received ${signal} again while stopping; ${running.total} running tasks: ${running.text}. Send it once more to exit at once`,
    )
  } else {
    log.info({ signal }, `Received ${signal}; stopping`)
  }
  void app.stop()
}

function onProcessError(app: Application, log: Logger, kind: ProcessErrorKind, error: unknown, crashes: number): void {
  if (crashes <= MAX_CRASH_RECORDS) {
    // pino's serializer puts an Error's type, message and stack (and cause) under `err`; a thrown non-Error has no stack.
    const err = error instanceof Error ? error : { type: typeof error, message: describeValue(error) }
    const what = kind === 'unhandledRejection' ? 'Unhandled rejection' : 'Uncaught exception'
    log.fatal({ err, origin: kind }, `${what} outside any task; stopping application "${app.name}"`)
  } else if (crashes === MAX_CRASH_RECORDS + 1) {
    log.fatal({ origin: kind }, `More than ${MAX_CRASH_RECORDS} process errors; the next ones are not logged`)
  }
  void app.stop(1)
}

/**
 * Waits until `logger` has written out what it buffered, at most `timeoutMs`. Never rejects.
 *
 * @internal
 */
export function flushLogger(logger: Logger, timeoutMs = FLUSH_TIMEOUT_MS): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs)
    try {
      logger.flush(() => {
        clearTimeout(timer)
        resolve()
      })
    } catch {
      clearTimeout(timer)
      resolve()
    }
  })
}

/**
 * What `Application.main` does with an app: runs it, flushes its logger and ends the process with the exit code,
 * whatever is still open (a timer, a socket). When `create` throws, the error is logged at fatal level through a
 * default logger and the process ends with code 1.
 *
 * @internal
 */
export async function runAsMain(create: () => Application, name: string): Promise<never> {
  let app: Application
  try {
    app = create()
  } catch (error) {
    const logger = createLogger({ name })
    guardLogger(logger).fatal({ err: error }, `Could not construct application "${name}"`)
    return exitWith(1, logger)
  }
  let code: number
  try {
    code = await app.run()
  } catch (error) {
    guardLogger(app.logger).fatal({ err: error }, `Application "${app.name}" failed`)
    code = Math.max(1, app.exitCode)
  }
  return exitWith(code, app.logger)
}

async function exitWith(code: number, logger: Logger): Promise<never> {
  // If the flush never calls back and nothing else keeps the loop alive, Node still ends with this code.
  process.exitCode = code
  await flushLogger(logger)
  process.exit(code)
}
