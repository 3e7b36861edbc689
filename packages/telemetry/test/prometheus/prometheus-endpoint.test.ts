import { Application, ErrorCodes, Service, TsabError } from '@tsab/core'
import { WebService } from '@tsab/web'
import { afterEach, describe, expect, it } from 'vitest'
import { TelemetryService } from '../../src/index.js'
import { memoryLogger } from '../../../core/test/support/logs.js'
import { until } from '../../../core/test/support/event-loop.js'
import { useTelemetryApps } from '../support/apps.js'
import { useOpenTelemetry } from '../support/otel.js'
import { untilAborted } from '../../../core/test/support/promises.js'
import { StandInWebService } from '../support/web-service.js'

const otel = useOpenTelemetry()
const startApp = useTelemetryApps()
const servers: StandInWebService[] = []
afterEach(async () => {
  for (const web of servers.splice(0)) await web.server.close()
})

/** One sample line of the Prometheus text format: `name{label="value",…} value`. */
interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type) types.set(type[1]!, type[2]!)
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line)
    if (!match) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[label[1]!] = label[2]!
    samples.push({ name: match[1]!, labels, value: Number(match[3]) })
  }
  return { samples, types }
}

function sample(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
  return found[0]?.value
}

async function startWithPrometheus(config: Record<string, unknown> = {}) {
  let web!: StandInWebService
  const started = await startApp({
    config: { telemetry: { prometheus: true, ...config } },
    before: (app) => {
      web = app.addService(StandInWebService)
      servers.push(web)
    },
  })
  return { ...started, web, url: await web.listen() }
}

describe('[telemetry] prometheus', () => {
  it('serves GET /metrics in the Prometheus text format on the WebService, without any SDK registered', async () => {
    const { app, telemetry, url } = await startWithPrometheus()
    expect(telemetry.isMeasuring).toBe(true)
    expect(telemetry.isTracing).toBe(false)
    for (let i = 0; i < 3; i++) app.taskService.spawn(async () => 1, { name: 'ok', owner: 'Jobs' })
    app.taskService.spawn(async () => Promise.reject(new Error('boom')), { name: 'bad' })
    const slow = app.taskService.spawn(untilAborted, { name: 'slow' })
    await until(() => slow.state === 'running')

    const response = await fetch(`${url}/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)

    const { samples, types } = parsePrometheus(await response.text())
    expect(sample(samples, 'tsab_task_finished_total', { tsab_task_name: 'ok', tsab_task_owner: 'Jobs', tsab_task_state: 'succeeded' })).toBe(3)
    expect(sample(samples, 'tsab_task_finished_total', { tsab_task_name: 'bad', tsab_task_state: 'failed' })).toBe(1)
    expect(sample(samples, 'tsab_task_finished_total', { tsab_task_name: 'bad', tsab_task_state: 'succeeded' })).toBe(0)
    expect(sample(samples, 'tsab_task_active', { tsab_task_name: 'slow', tsab_task_state: 'running' })).toBe(1)
    expect(sample(samples, 'tsab_task_duration_count', { tsab_task_name: 'ok', tsab_task_state: 'succeeded' })).toBe(3)
    expect(sample(samples, 'tsab_task_duration_bucket', { tsab_task_name: 'ok', tsab_task_state: 'succeeded', le: '+Inf' })).toBe(3)
    expect(sample(samples, 'tsab_task_duration_bucket', { tsab_task_name: 'ok', tsab_task_state: 'succeeded', le: '3600' })).toBe(3)
    expect(sample(samples, 'nodejs_eventloop_utilization', {})).toBeGreaterThanOrEqual(0)
    expect(sample(samples, 'nodejs_eventloop_delay_p99', {})).toBeGreaterThanOrEqual(0)
    expect(types.get('tsab_task_finished_total')).toBe('counter')
    expect(types.get('tsab_task_duration')).toBe('histogram')
    expect(types.get('tsab_task_active')).toBe('gauge')
    expect(types.get('nodejs_eventloop_delay_max')).toBe('gauge')
    // The application's name is the resource's service.name.
    expect(sample(samples, 'target_info', { service_name: 'telemetry-test' })).toBe(1)

    slow.cancel()
    await app.taskService.onIdle()
    const after = parsePrometheus(await (await fetch(`${url}/metrics`)).text()).samples
    expect(sample(after, 'tsab_task_active', { tsab_task_name: 'slow', tsab_task_state: 'running' })).toBe(0)
    expect(sample(after, 'tsab_task_finished_total', { tsab_task_name: 'slow', tsab_task_state: 'cancelled' })).toBe(1)
  })

  it('reports to the registered SDK and to /metrics at the same time', async () => {
    const sdk = otel.registerMetrics()
    const { app, url } = await startWithPrometheus()
    app.taskService.spawn(async () => 1, { name: 'both' })
    await app.taskService.onIdle()
    expect((await sdk.collect()).value('tsab.task.finished', { 'tsab.task.name': 'both', 'tsab.task.state': 'succeeded' })).toBe(1)
    const { samples } = parsePrometheus(await (await fetch(`${url}/metrics`)).text())
    expect(sample(samples, 'tsab_task_finished_total', { tsab_task_name: 'both', tsab_task_state: 'succeeded' })).toBe(1)
  })

  it('serves on [telemetry] prometheus_path, also for HEAD', async () => {
    const { url } = await startWithPrometheus({ prometheus_path: '/internal/metrics' })
    expect((await fetch(`${url}/internal/metrics`)).status).toBe(200)
    expect((await fetch(`${url}/internal/metrics`, { method: 'HEAD' })).status).toBe(200)
    expect((await fetch(`${url}/metrics`)).status).toBe(404)
  })

  it('answers 503 once the service was finalized', async () => {
    const { app, url } = await startWithPrometheus()
    await app.stop()
    const response = await fetch(`${url}/metrics`)
    expect(response.status).toBe(503)
    expect(await response.text()).toContain('no longer collected')
  })

  it('refuses to start without a WebService, naming [telemetry] prometheus', async () => {
    const { app, lines } = await startApp({ start: false, config: { telemetry: { prometheus: 'yes' } } })
    const error = await app.start().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(TsabError)
    expect((error as TsabError).code).toBe(ErrorCodes.ConfigValue)
    expect((error as Error).message).toContain('[telemetry] prometheus')
    expect((error as Error).message).toContain('WebService')
    expect(lines.some((line) => line.level === 50 && String(line.err?.message).includes('[telemetry] prometheus'))).toBe(true)
  })

  it('refuses a WebService whose server is not a Fastify instance', async () => {
    class NotWeb extends Service {
      readonly server = 'nope'
      constructor(app: ConstructorParameters<typeof Service>[0]) {
        super(app, 'WebService')
      }
    }
    const { app } = await startApp({ start: false, config: { telemetry: { prometheus: true } }, before: (a) => a.addService(NotWeb) })
    await expect(app.start()).rejects.toThrow(/\[telemetry\] prometheus = true needs the WebService's `server` to be a Fastify instance, got string/)
  })

  it('explains a route Fastify refuses (the server already listens)', async () => {
    const { app, web } = await startApp({
      start: false,
      config: { telemetry: { prometheus: true } },
      before: (a) => {
        const standIn = a.addService(StandInWebService)
        servers.push(standIn)
      },
    }).then(async (started) => ({ ...started, web: started.app.getService<StandInWebService>('WebService') }))
    await web.listen()
    const error = await app.start().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect((error as TsabError).code).toBe(ErrorCodes.ConfigValue)
    expect((error as Error).message).toMatch(/\[telemetry\] prometheus = true: could not add GET \/metrics to the WebService/)
    expect((error as Error).cause).toBeInstanceOf(Error)
  })
})

describe('[telemetry] prometheus with the real WebService (@tsab/web)', () => {
  it('serves GET /metrics on the addresses the WebService listens on, registered before or after it', async () => {
    for (const order of ['telemetry first', 'web first'] as const) {
      const app = new Application({
        name: 'with-web',
        logger: memoryLogger().logger,
        handleSignals: false,
        config: { telemetry: { prometheus: true }, web: { listen: '127.0.0.1:0' } },
      })
      if (order === 'web first') app.addService(WebService)
      app.addService(TelemetryService)
      if (order === 'telemetry first') app.addService(WebService)
      try {
        await app.start()
        const [address] = await app.getService(WebService).onListening()
        app.taskService.spawn(async () => 1, { name: 'served' })
        await app.taskService.onIdle()
        const response = await fetch(`http://${address}/metrics`)
        expect(response.status, order).toBe(200)
        const { samples } = parsePrometheus(await response.text())
        expect(sample(samples, 'tsab_task_finished_total', { tsab_task_name: 'served', tsab_task_state: 'succeeded' }), order).toBe(1)
        expect((await fetch(`http://${address}/health/ready`)).status, order).toBe(200)
      } finally {
        await app.stop()
      }
      expect(app.exitCode, order).toBe(0)
    }
  })
})
