/**
 * `TaskTracing`: the task observer behind the task spans. One span per task, linked (not parented) to the span that
 * was active where the task was scheduled; the task's function runs with its span active. Metrics are
 * `task-metrics.ts`'s.
 */
import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api'
import type { TaskHandle, TaskObserver, TaskRunWrapper } from '@tsab/core'
import { boundedTaskName } from '../names/task-names.js'
import { TelemetryAttributes } from '../names/telemetry-names.js'

/** What an error becomes on a span: the error itself when it is an `Error`, else its text. */
function asException(error: unknown): Exception {
  if (error instanceof Error) return error
  try {
    return String(error)
  } catch {
    return Object.prototype.toString.call(error)
  }
}

function errorMessage(exception: Exception): string {
  return typeof exception === 'string' ? exception : (exception.message ?? exception.name ?? String(exception.code))
}

/**
 * Traces the tasks of one TaskService. Register it as an observer; {@link TaskTracing.close} ends the spans of tasks
 * still running (they would otherwise never be exported).
 *
 * @internal
 */
export class TaskTracing implements TaskObserver {
  readonly #tracer: Tracer
  // The span that was active where a task was scheduled, until the task starts (only tasks scheduled in one).
  readonly #links = new Map<TaskHandle, SpanContext>()
  // The span of every running task, until it finishes.
  readonly #spans = new Map<TaskHandle, Span>()

  constructor(tracer: Tracer) {
    this.#tracer = tracer
  }

  scheduled(task: TaskHandle): void {
    const scheduler = trace.getSpanContext(context.active())
    if (scheduler !== undefined && isSpanContextValid(scheduler)) this.#links.set(task, scheduler)
  }

  started(task: TaskHandle): TaskRunWrapper {
    const span = this.#startSpan(task)
    this.#spans.set(task, span)
    const active = trace.setSpan(ROOT_CONTEXT, span)
    return (fn) => context.with(active, fn)
  }

  finished(task: TaskHandle): void {
    let span = this.#spans.get(task)
    if (span === undefined) {
      // Cancelled while queued (or refused): it still gets its span, ending where it began.
      span = this.#startSpan(task)
    } else {
      this.#spans.delete(task)
    }
    try {
      span.setAttribute(TelemetryAttributes.taskState, task.state)
      if (task.state === 'failed') {
        const exception = asException(task.error)
        span.recordException(exception)
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(exception) })
      }
    } finally {
      span.end()
    }
  }

  /** Ends the span of every task still running, with its state as it is now. */
  close(): void {
    for (const [task, span] of this.#spans) {
      span.setAttribute(TelemetryAttributes.taskState, task.state)
      span.end()
    }
    this.#spans.clear()
    this.#links.clear()
  }

  #startSpan(task: TaskHandle): Span {
    const attributes: Attributes = {
      [TelemetryAttributes.taskId]: task.id,
      [TelemetryAttributes.taskName]: boundedTaskName(task),
    }
    if (task.owner !== undefined) attributes[TelemetryAttributes.taskOwner] = task.owner
    const meta = task.meta
    if (meta !== undefined) {
      for (const key of Object.keys(meta)) attributes[`${TelemetryAttributes.taskMetaPrefix}${key}`] = meta[key]
    }
    const scheduler = this.#links.get(task)
    let links: Link[] | undefined
    if (scheduler !== undefined) {
      this.#links.delete(task)
      links = [{ context: scheduler }]
    }
    // A root span: the scheduling span is a link, and the TaskService's own context must never become a parent.
    return this.#tracer.startSpan(
      attributes[TelemetryAttributes.taskName] as string,
      { kind: SpanKind.INTERNAL, root: true, attributes, links },
      ROOT_CONTEXT,
    )
  }
}
