/**
 * `createTestApplication`: a started application for tests — silent logger, no signal handlers.
 * Tearing it down (`await app.stop()`) is the test's job.
 */
import { Application, type ApplicationOptions } from '../application/application.js'
import { createLogger } from '../logging/logger.js'
import { observed } from '../internal/observed.js'

/**
 * Builds an application for a test (silent logger unless `options.logger` is given, no signal handlers),
 * starts it and returns it. Pass your own subclass as `AppClass`.
 *
 * @example
 * ```ts
 * import { createTestApplication, TestClock } from '@tsab/core/testing'
 * const clock = new TestClock()
 * const app = await createTestApplication({ clock })
 * const [handle] = app.taskService.schedule(async () => 42)
 * console.log(await handle!.result) // 42
 * await app.stop()
 * ```
 *
 * ```text
 * 42
 * ```
 */
export function createTestApplication<A extends Application = Application>(
  options: ApplicationOptions = {},
  AppClass?: new (options: ApplicationOptions) => A,
): Promise<A> {
  // Observed: a failing initialize() rejects it, and the caller may attach its handler only later.
  return observed(startTestApplication(options, AppClass))
}

async function startTestApplication<A extends Application>(
  options: ApplicationOptions,
  AppClass: (new (options: ApplicationOptions) => A) | undefined,
): Promise<A> {
  const Cls = (AppClass ?? Application) as new (options: ApplicationOptions) => A
  const app = new Cls({
    ...options,
    logger: options.logger ?? createLogger({ level: 'silent' }),
    handleSignals: false,
  })
  await app.start()
  return app
}
