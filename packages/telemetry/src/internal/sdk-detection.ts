/**
 * Finds the OpenTelemetry SDK the user registered, through `@opentelemetry/api` only: the global meter and tracer,
 * or `undefined` when the API would hand out its no-op ones. Deciding once at init lets the TelemetryService
 * register no observer at all when nothing would be recorded.
 */
import { createNoopMeter, metrics, ProxyTracerProvider, trace, type Meter, type Tracer, type TracerProvider } from '@opentelemetry/api'
import { SCOPE_NAME, SCOPE_VERSION } from './scope.js'

/** A TracerProvider that may be a proxy for another one (the API's `ProxyTracerProvider`). */
type DelegatingProvider = TracerProvider & { getDelegate?: () => DelegatingProvider }

// The API's no-op tracer provider: what a fresh proxy delegates to while no SDK is registered.
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate()

/** The meter of the globally registered MeterProvider, or `undefined` when none is registered. */
export function globalMeter(): Meter | undefined {
  const meter = metrics.getMeter(SCOPE_NAME, SCOPE_VERSION)
  return meter === createNoopMeter() ? undefined : meter
}

/**
 * A tracer of the globally registered TracerProvider, or `undefined` when none is registered. The tracer comes
 * from the provider behind the API's proxy, so no span pays for the proxy's indirection.
 */
export function globalTracer(): Tracer | undefined {
  let provider: DelegatingProvider = trace.getTracerProvider()
  // A proxy may stand for another proxy (a second copy of the API registered its own): follow a few levels.
  for (let depth = 0; depth < 8 && typeof provider.getDelegate === 'function'; depth++) {
    const delegate = provider.getDelegate()
    if (delegate === provider) break
    provider = delegate
  }
  // By name as well: a second copy of @opentelemetry/api has its own no-op provider object.
  if (provider === NOOP_TRACER_PROVIDER || provider.constructor.name === 'NoopTracerProvider') return undefined
  if (typeof provider.getDelegate === 'function') return undefined
  return provider.getTracer(SCOPE_NAME, SCOPE_VERSION)
}
