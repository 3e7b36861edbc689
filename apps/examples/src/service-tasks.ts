/**
 * IPv8 tutorial, "Community integration": a service that registers a task as soon as it is constructed, and the
 * way a test keeps that task from ever running — cancel the service's pending tasks before starting the app.
 */
import { Application, createLogger, Service } from '@tsab/core'
import { runIfMain } from './run-if-main.js'

/** A service that schedules work in its constructor (better done in `initialize()`, see the guide). */
export class ImpatientService extends Service {
  /** How often the task body ran. */
  runs = 0

  constructor(app: Application) {
    super(app)
    this.tasks.registerTask('error out :-(', () => this.error())
  }

  /** The task body: it fails on purpose, so a test must not let it run. */
  error(): void {
    this.runs++
    throw new Error('this should not run in a test')
  }
}

/** What a test does with such a service; returns what it prints. */
export async function main(): Promise<string> {
  const app = new Application({ name: 'tutorial', logger: createLogger({ level: 'silent' }), handleSignals: false })
  const service = app.addService(ImpatientService)
  // The task waits in the TaskService's queue until the app starts: cancel it now and it never runs.
  const cancelled = service.tasks.cancelAllPendingTasks()
  await app.start()
  await app.taskService.onIdle()
  await app.stop()
  return [
    `cancelled: ${cancelled.map((task) => `${task.name} (${task.state})`).join(', ')}`,
    `runs: ${service.runs}`,
  ].join('\n')
}

await runIfMain(import.meta.url, main)
