/**
 * OpenTelemetry SDKs for tests: a MeterProvider read on demand and a TracerProvider exporting to memory, registered
 * as the global ones (with an AsyncLocalStorage context manager), and unregistered after each test.
 */
import { context, metrics, trace, type BatchObservableCallback, type Meter, type MeterProvider as MeterProviderApi } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterEach } from 'vitest'

/** A reader that collects only when asked (the SDK has no manual reader of its own). */
export class TestMetricReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** One data point of a metric, flattened: its attributes and its value (a number, or a histogram). */
export interface Point<V = number | Histogram> {
  readonly attributes: Record<string, unknown>
  readonly value: V
}

/** What one collection found: the points of each metric by name. */
export class Collected {
  constructor(readonly resourceMetrics: ResourceMetrics) {}

  /** Names of every metric with at least one point. */
  get names(): string[] {
    return this.resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.filter((m) => m.dataPoints.length > 0).map((m) => m.descriptor.name))
  }

  /** Every point of `name` (none when the metric was not reported). */
  points<V = number>(name: string): Array<Point<V>> {
    const found: Array<Point<V>> = []
    for (const scope of this.resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== name) continue
        for (const point of metric.dataPoints as Array<DataPoint<unknown>>) found.push({ attributes: point.attributes, value: point.value as V })
      }
    }
    return found
  }

  /** The value of the one point of `name` whose attributes include `attributes`; undefined when there is none. */
  value<V = number>(name: string, attributes: Record<string, unknown> = {}): V | undefined {
    const matching = this.points<V>(name).filter((point) => Object.entries(attributes).every(([key, value]) => point.attributes[key] === value))
    if (matching.length > 1) throw new Error(`${matching.length} points of ${name} match ${JSON.stringify(attributes)}`)
    return matching[0]?.value
  }

  /** The data point type of a metric (e.g. SUM, HISTOGRAM, GAUGE). */
  type(name: string): DataPointType | undefined {
    for (const scope of this.resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) if (metric.descriptor.name === name) return metric.dataPointType
    }
    return undefined
  }
}

/** A registered metrics SDK. */
export interface MetricsSdk {
  readonly provider: MeterProvider
  readonly reader: TestMetricReader
  /** Batch observable callbacks added to the global meters and not removed yet. */
  readonly liveCallbacks: ReadonlySet<BatchObservableCallback>
  /** Collects now. */
  collect(): Promise<Collected>
}

/** A registered tracing SDK. */
export interface TracingSdk {
  readonly provider: BasicTracerProvider
  readonly exporter: InMemorySpanExporter
}

/**
 * Installs after-each cleanup for the current file and returns functions that register the SDKs as the global
 * ones. Everything registered is unregistered and shut down after each test.
 */
export function useOpenTelemetry(): { registerMetrics(): MetricsSdk; registerTracing(): TracingSdk } {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  return {
    registerMetrics(): MetricsSdk {
      const reader = new TestMetricReader()
      const provider = new MeterProvider({ readers: [reader] })
      const liveCallbacks = new Set<BatchObservableCallback>()
      metrics.setGlobalMeterProvider(trackingProvider(provider, liveCallbacks))
      cleanups.push(async () => {
        metrics.disable()
        await provider.shutdown()
      })
      return {
        provider,
        reader,
        liveCallbacks,
        async collect() {
          const { resourceMetrics, errors } = await reader.collect()
          if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed')
          return new Collected(resourceMetrics)
        },
      }
    },
    registerTracing(): TracingSdk {
      const exporter = new InMemorySpanExporter()
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
      const contextManager = new AsyncLocalStorageContextManager().enable()
      context.setGlobalContextManager(contextManager)
      trace.setGlobalTracerProvider(provider)
      cleanups.push(async () => {
        trace.disable()
        context.disable()
        await provider.shutdown()
      })
      return { provider, exporter }
    },
  }
}

/** The SDK's provider, with meters that keep `live` up to date with their batch observable callbacks. */
function trackingProvider(provider: MeterProviderApi, live: Set<BatchObservableCallback>): MeterProviderApi {
  return {
    getMeter(name, version, options): Meter {
      const meter = provider.getMeter(name, version, options)
      return {
        createGauge: (...args) => meter.createGauge(...args),
        createHistogram: (...args) => meter.createHistogram(...args),
        createCounter: (...args) => meter.createCounter(...args),
        createUpDownCounter: (...args) => meter.createUpDownCounter(...args),
        createObservableGauge: (...args) => meter.createObservableGauge(...args),
        createObservableCounter: (...args) => meter.createObservableCounter(...args),
        createObservableUpDownCounter: (...args) => meter.createObservableUpDownCounter(...args),
        addBatchObservableCallback(callback, observables) {
          live.add(callback)
          meter.addBatchObservableCallback(callback, observables)
        },
        removeBatchObservableCallback(callback, observables) {
          live.delete(callback)
          meter.removeBatchObservableCallback(callback, observables)
        },
      }
    },
  }
}
