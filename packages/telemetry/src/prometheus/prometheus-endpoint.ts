/**
 * `PrometheusEndpoint`: `GET <path>` in the Prometheus text format, on the WebService's Fastify instance, through
 * OpenTelemetry's Prometheus exporter (its own HTTP server never starts). Owns the exporter and the MeterProvider
 * it reads; what is measured is the TelemetryService's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Meter } from '@opentelemetry/api'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { SCOPE_NAME, SCOPE_VERSION } from '../internal/scope.js'

/** The part of a Fastify reply the endpoint uses. */
interface RouteReply {
  readonly raw: ServerResponse
  hijack(): unknown
  code(statusCode: number): RouteReply
  header(name: string, value: string): RouteReply
  send(payload: string): unknown
}

/** The part of a Fastify instance the endpoint uses: `server.get(path, handler)`. */
export interface RouteHost {
  get(path: string, handler: (request: { readonly raw: IncomingMessage }, reply: RouteReply) => void): unknown
}

/** True when `value` has the `get(path, handler)` of a Fastify instance. */
export function isRouteHost(value: unknown): value is RouteHost {
  return typeof value === 'object' && value !== null && typeof (value as { get?: unknown }).get === 'function'
}

/**
 * A Prometheus scrape endpoint with its own MeterProvider, mounted on a Fastify instance.
 *
 * @internal
 */
export class PrometheusEndpoint {
  readonly #exporter: PrometheusExporter
  readonly #provider: MeterProvider
  #closed = false

  /**
   * Creates the exporter and its MeterProvider (resource `service.name` = `serviceName`) and adds the route.
   * Throws what Fastify throws when the route cannot be added (e.g. the server is already listening).
   */
  constructor(host: RouteHost, path: string, serviceName: string) {
    this.#exporter = new PrometheusExporter({ preventServerStart: true })
    // The route first: when Fastify refuses it (already listening), no MeterProvider was made that needs shutting down.
    host.get(path, (request, reply) => {
      // A sync handler must return nothing: Fastify would send a returned value as a second response.
      if (this.#closed) {
        reply.code(503).header('content-type', 'text/plain; charset=utf-8').send('metrics are no longer collected\n')
        return
      }
      // The exporter writes the response itself: Fastify must not send one too.
      reply.hijack()
      this.#exporter.getMetricsRequestHandler(request.raw, reply.raw)
    })
    this.#provider = new MeterProvider({
      resource: defaultResource().merge(resourceFromAttributes({ 'service.name': serviceName })),
      readers: [this.#exporter],
    })
  }

  /** The meter whose instruments `GET <path>` reports. */
  get meter(): Meter {
    return this.#provider.getMeter(SCOPE_NAME, SCOPE_VERSION)
  }

  /** Shuts the MeterProvider down; later scrapes answer 503. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#provider.shutdown()
  }
}
