import { Messages, Service, type TaskHandle, type TaskState } from '@tsab/core'

/**
 * Listens to `TaskService.task_done!`, published once for every task that finishes (whoever started it), and
 * counts the tasks by final state. A failed task is already logged by the TaskService, with its error.
 */
export class TaskLogService extends Service {
  readonly finished: Record<Exclude<TaskState, 'queued' | 'running'>, number> = { succeeded: 0, failed: 0, cancelled: 0 }
  #unsubscribe: (() => void) | undefined

  override initialize() {
    this.#unsubscribe = this.app.pubsub.subscribe(Messages.TaskDone, (_message, task: TaskHandle) => {
      if (task.state === 'succeeded' || task.state === 'failed' || task.state === 'cancelled') this.finished[task.state]++
      this.logger.debug({ task: task.name, state: task.state, owner: task.owner }, 'task finished')
    })
  }

  override finalize() {
    this.#unsubscribe?.()
  }
}
