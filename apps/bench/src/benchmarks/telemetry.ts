/**
 * Benchmark 8, telemetry: the throughput of benchmark 1 with a `TelemetryService` (@tsab/telemetry) and no
 * OpenTelemetry SDK registered, with the metrics SDK (also with `[telemetry] task_duration = false`), and with
 * tracing at 100 % sampling, each as a ratio to the same application without the service, measured in the same
 * round.
 */
import { context, metrics, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import { Application, createLogger } from '@tsab/core'
import { TelemetryService } from '@tsab/telemetry'
import { collectGarbage, type Benchmark } from '../harness.js'
import { record, tsabThroughput, type Elapsed } from '../fixtures.js'

/** A reader collected once, at the end of the round (not measured), to check every task was counted. */
class EndOfRoundReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** Counts and drops finished spans: the cost of the SDK's span pipeline without a network exporter's. */
class CountingExporter implements SpanExporter {
  exported = 0
  export(spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    this.exported += spans.length
    done({ code: 0 })
  }
  async shutdown(): Promise<void> {}
}

type Variant = 'without' | 'noSdk' | 'metrics' | 'metricsNoDuration' | 'tracing'

const VARIANTS: readonly Variant[] = ['without', 'noSdk', 'metrics', 'metricsNoDuration', 'tracing']
// Rounds run so far in this process.
let rounds = 0

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length
  return [...items.slice(shift), ...items.slice(0, shift)]
}

async function throughputOf(variant: Variant, n: number): Promise<Elapsed> {
  let check = async (): Promise<void> => {}
  let unregister = async (): Promise<void> => {}
  if (variant === 'metrics' || variant === 'metricsNoDuration') {
    const reader = new EndOfRoundReader()
    const provider = new MeterProvider({ readers: [reader] })
    metrics.setGlobalMeterProvider(provider)
    check = async () => {
      const { resourceMetrics } = await reader.collect()
      const finished = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .filter((metric) => metric.descriptor.name === 'tsab.task.finished')
        .flatMap((metric) => metric.dataPoints as Array<DataPoint<number>>)
        .reduce((sum, point) => sum + point.value, 0)
      if (finished !== n) throw new Error(`tsab.task.finished counted ${finished} of ${n} tasks`)
    }
    unregister = async () => {
      metrics.disable()
      await provider.shutdown()
    }
  } else if (variant === 'tracing') {
    const exporter = new CountingExporter()
    // Queue as large as the round, so no span is dropped: every task's span goes through the pipeline.
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: n, maxExportBatchSize: 1_024 })] })
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    trace.setGlobalTracerProvider(provider)
    check = async () => {
      await provider.forceFlush()
      if (exporter.exported !== n) throw new Error(`${exporter.exported} spans exported for ${n} tasks`)
    }
    unregister = async () => {
      trace.disable()
      context.disable()
      await provider.shutdown()
    }
  }
  const config: Record<string, Record<string, unknown>> = variant === 'metricsNoDuration' ? { telemetry: { task_duration: false } } : {}
  const app = new Application({ name: 'bench', logger: createLogger({ level: 'silent' }), handleSignals: false, config })
  if (variant !== 'without') app.addService(TelemetryService)
  try {
    await app.start()
    collectGarbage()
    const elapsed = await tsabThroughput(app, n)
    await check()
    return elapsed
  } finally {
    await app.stop()
    await unregister()
  }
}

export const telemetry: Benchmark = {
  id: 'telemetry',
  title: '8. Telemetry: throughput with a TelemetryService',
  metrics: {
    without: { unit: 'tasks/s', better: 'higher' },
    noSdk: { unit: 'tasks/s', better: 'higher' },
    metrics: { unit: 'tasks/s', better: 'higher' },
    metricsNoDuration: { unit: 'tasks/s', better: 'higher' },
    tracing: { unit: 'tasks/s', better: 'higher' },
    withoutCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    noSdkCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    metricsCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    metricsNoDurationCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    tracingCpu: { unit: 'tasks/CPU-s', better: 'higher' },
  },
  ratios: {
    'no SDK / without': { numerator: 'noSdk', denominator: 'without', target: { op: '>=', value: 0.97 } },
    'metrics SDK / without': { numerator: 'metrics', denominator: 'without', target: { op: '>=', value: 0.85 } },
    'metrics SDK, task_duration off / without': { numerator: 'metricsNoDuration', denominator: 'without' },
    'tracing 100 % / without': { numerator: 'tracing', denominator: 'without' },
    'CPU: no SDK / without': { numerator: 'noSdkCpu', denominator: 'withoutCpu' },
    'CPU: metrics SDK / without': { numerator: 'metricsCpu', denominator: 'withoutCpu' },
    'CPU: metrics SDK, task_duration off / without': { numerator: 'metricsNoDurationCpu', denominator: 'withoutCpu' },
    'CPU: tracing 100 % / without': { numerator: 'tracingCpu', denominator: 'withoutCpu' },
  },
  async round(ctx) {
    const values: Record<string, number> = {}
    // The order moves by one each round: no variant always runs first (fresh heap) or right after the costly ones.
    const order = rotate(VARIANTS, rounds++)
    for (const variant of order) {
      collectGarbage()
      record(values, variant, ctx.n, await throughputOf(variant, ctx.n))
    }
    return values
  },
}
