import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { Service } from '@tsab/core'
import { describe, expect, it } from 'vitest'
import { until } from '../../../core/test/support/event-loop.js'
import { useTelemetryApps } from '../support/apps.js'
import { useOpenTelemetry } from '../support/otel.js'
import { hang, untilAborted } from '../../../core/test/support/promises.js'

const otel = useOpenTelemetry()
const startApp = useTelemetryApps()

class Crawler extends Service {}

const byName = (spans: readonly ReadableSpan[], name: string): ReadableSpan[] => spans.filter((span) => span.name === name)
const one = (spans: readonly ReadableSpan[], name: string): ReadableSpan => {
  const found = byName(spans, name)
  if (found.length !== 1) throw new Error(`expected one span "${name}", got ${found.length} of ${spans.map((s) => s.name).join(', ')}`)
  return found[0]!
}

describe('TelemetryService traces', () => {
  it('gives each task one INTERNAL span named after its bounded name, with id, name, owner and meta attributes', async () => {
    const { exporter } = otel.registerTracing()
    const { app, telemetry } = await startApp({ before: (a) => a.addService(Crawler) })
    expect(telemetry.isTracing).toBe(true)
    expect(telemetry.isMeasuring).toBe(false)
    const handle = app.taskService.spawn(async () => 1, { name: 'send-mail', meta: { requestId: 'req-7', attempt: 2, urgent: true } })
    const [unnamed] = app.taskService.schedule(async () => 1)
    const anonymous = app.getService(Crawler).tasks.registerAnonymousTask('download', async () => 1)
    await app.taskService.onIdle()
    const spans = exporter.getFinishedSpans()
    expect(spans.map((span) => span.name).sort()).toEqual(['anonymous', 'download', 'send-mail'])
    const mail = one(spans, 'send-mail')
    expect(mail.kind).toBe(SpanKind.INTERNAL)
    expect(mail.attributes).toEqual({
      'tsab.task.id': handle.id,
      'tsab.task.name': 'send-mail',
      'tsab.task.state': 'succeeded',
      'tsab.task.meta.requestId': 'req-7',
      'tsab.task.meta.attempt': 2,
      'tsab.task.meta.urgent': true,
    })
    expect(mail.status.code).toBe(SpanStatusCode.UNSET)
    expect(mail.instrumentationScope.name).toBe('@tsab/telemetry')
    expect(one(spans, 'anonymous').attributes['tsab.task.id']).toBe(unnamed!.id)
    expect(one(spans, 'download').attributes).toMatchObject({ 'tsab.task.name': 'download', 'tsab.task.owner': 'Crawler', 'tsab.task.id': anonymous.id })
  })

  it('links the task span to the span active where it was scheduled, without making it the parent', async () => {
    const { exporter, provider } = otel.registerTracing()
    const { app } = await startApp()
    const tracer = provider.getTracer('test')
    tracer.startActiveSpan('request', (request) => {
      app.taskService.spawn(async () => 1, { name: 'background' })
      request.end()
    })
    app.taskService.spawn(async () => 1, { name: 'unrelated' })
    await app.taskService.onIdle()
    const spans = exporter.getFinishedSpans()
    const request = one(spans, 'request')
    const background = one(spans, 'background')
    expect(background.links).toHaveLength(1)
    expect(background.links[0]!.context).toEqual(request.spanContext())
    expect(background.parentSpanContext).toBeUndefined()
    expect(background.spanContext().traceId).not.toBe(request.spanContext().traceId)
    expect(one(spans, 'unrelated').links).toEqual([])
  })

  it('runs the task with its span active: spans created inside (also after an await) are its children', async () => {
    const { exporter, provider } = otel.registerTracing()
    const { app } = await startApp()
    const tracer = provider.getTracer('test')
    let activeInside: string | undefined
    app.taskService.spawn(
      async () => {
        activeInside = trace.getActiveSpan()?.spanContext().spanId
        tracer.startSpan('before-await').end()
        await new Promise((resolve) => setTimeout(resolve, 1))
        tracer.startActiveSpan('after-await', (span) => span.end())
      },
      { name: 'parent-task' },
    )
    await app.taskService.onIdle()
    const spans = exporter.getFinishedSpans()
    const task = one(spans, 'parent-task')
    expect(activeInside).toBe(task.spanContext().spanId)
    for (const name of ['before-await', 'after-await']) {
      const child = one(spans, name)
      expect(child.parentSpanContext?.spanId, name).toBe(task.spanContext().spanId)
      expect(child.spanContext().traceId, name).toBe(task.spanContext().traceId)
    }
    // Outside the task, its context is gone again.
    expect(trace.getSpan(context.active())).toBeUndefined()
  })

  it('records the exception of a failed task and sets status ERROR', async () => {
    const { exporter } = otel.registerTracing()
    const { app } = await startApp()
    app.taskService.spawn(async () => Promise.reject(new TypeError('bad input')), { name: 'fails' })
    app.taskService.spawn(async () => Promise.reject('plain text'), { name: 'rejects-a-string' })
    await app.taskService.onIdle()
    const spans = exporter.getFinishedSpans()
    const failed = one(spans, 'fails')
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad input' })
    expect(failed.attributes['tsab.task.state']).toBe('failed')
    expect(failed.events.map((event) => event.name)).toEqual(['exception'])
    expect(failed.events[0]!.attributes).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'bad input' })
    expect(String(failed.events[0]!.attributes!['exception.stacktrace'])).toContain('bad input')
    const text = one(spans, 'rejects-a-string')
    expect(text.status).toEqual({ code: SpanStatusCode.ERROR, message: 'plain text' })
    expect(text.events[0]!.attributes).toMatchObject({ 'exception.message': 'plain text' })
  })

  it('marks cancelled tasks tsab.task.state=cancelled, also those cancelled before they started', async () => {
    const { exporter } = otel.registerTracing()
    const { app } = await startApp()
    const running = app.taskService.spawn(untilAborted, { name: 'running-then-cancelled' })
    app.taskService.spawn(async () => 1, { name: 'cancelled-while-queued' }).cancel('not needed')
    await until(() => running.state === 'running')
    running.cancel('stop')
    await app.taskService.onIdle()
    const spans = exporter.getFinishedSpans()
    for (const name of ['running-then-cancelled', 'cancelled-while-queued']) {
      const span = one(spans, name)
      expect(span.attributes['tsab.task.state'], name).toBe('cancelled')
      expect(span.status.code, name).toBe(SpanStatusCode.UNSET)
      expect(span.events, name).toEqual([])
    }
  })

  it('ends the spans of tasks still running when it is finalized', async () => {
    const { exporter } = otel.registerTracing()
    const { app } = await startApp()
    const held = hang()
    // Ignores its signal: it is still running when the TelemetryService is finalized, before the TaskService.
    const stubborn = app.taskService.spawn(() => held.promise, { name: 'stubborn' })
    await until(() => stubborn.state === 'running')
    const stopping = app.stop()
    await until(() => exporter.getFinishedSpans().length > 0)
    held.release()
    await stopping
    const span = one(exporter.getFinishedSpans(), 'stubborn')
    expect(span.attributes['tsab.task.state']).toBe('running')
    expect(span.ended).toBe(true)
  })
})
