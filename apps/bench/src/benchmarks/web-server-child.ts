/**
 * The servers the web benchmark loads, each run alone in a child process: `node web-server-child.js tsab|fastify`.
 * Both answer the same routes with the same work and the same logging (pino at info, one line per request, into
 * /dev/null): `GET /health/ready` and `POST /jobs` (a JSON-schema-checked body; one trivial TaskService task per
 * request, named and tagged with the request id). `tsab` is an Application with the WebService; `fastify` is a bare
 * Fastify app with its own logger next to a plain Application for the TaskService. The child prints
 * `{"port":N}` once it listens and stops on SIGTERM.
 *
 * `probe <port> <ms>` is the load-free client of the overload benchmark: it sends `GET /health/live` one after
 * another for `ms` milliseconds and prints the latencies, away from autocannon's busy event loop.
 */
import 'reflect-metadata'
import { Agent, request } from 'node:http'
import { Application, createLogger, type Logger } from '@tsab/core'
import { WebService } from '@tsab/web'
import { fastify, LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify'
import { pino } from 'pino'

const JOB_SCHEMA = {
  type: 'object',
  properties: { kind: { type: 'string', enum: ['email', 'resize', 'fail'] }, count: { type: 'integer', minimum: 1, maximum: 1000 } },
  required: ['kind', 'count'],
  additionalProperties: false,
} as const

interface JobBody {
  kind: string
  count: number
}

const trivial = async (): Promise<number> => 1

function quietLogger(): Logger {
  return createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) })
}

/** The bare app's request log: the same one line per request as the WebService's. */
class OneLine extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(_error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const ms = Math.round(reply.elapsedTime * 100) / 100
    request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms }, `${request.method} ${request.url} ${reply.statusCode} ${ms} ms`)
  }
}

async function startTsab(): Promise<{ port: number; stop: () => Promise<unknown> }> {
  class App extends Application {
    readonly web = this.addService(WebService)
    constructor() {
      super({ name: 'bench-web', logger: quietLogger(), handleSignals: false, config: { web: { listen: '127.0.0.1:0' } } })
      this.web.server.post<{ Body: JobBody }>('/jobs', { schema: { body: JOB_SCHEMA } }, async (request, reply) => {
        const ids: number[] = []
        for (let i = 0; i < request.body.count; i++) ids.push(this.web.spawnFromRequest(request, trivial, { name: 'email-job', owner: 'jobs' }).id)
        return reply.code(202).send({ ids })
      })
    }
  }
  const app = new App()
  await app.start()
  const [address] = await app.web.onListening()
  return { port: Number(address!.split(':').pop()), stop: () => app.stop() }
}

async function startFastify(): Promise<{ port: number; stop: () => Promise<unknown> }> {
  const logger = quietLogger()
  const tasks = new Application({ name: 'bench-fastify', logger, handleSignals: false })
  await tasks.start()
  const server = fastify({ loggerInstance: logger.child({ service: 'WebService' }) as FastifyBaseLogger, logController: new OneLine() })
  server.get('/health/ready', async (_request, reply) => {
    const status = tasks.isRunning ? 'ready' : 'stopping'
    if (status !== 'ready') void reply.code(503)
    return { status }
  })
  server.post<{ Body: JobBody }>('/jobs', { schema: { body: JOB_SCHEMA } }, async (request, reply) => {
    const ids: number[] = []
    for (let i = 0; i < request.body.count; i++) {
      ids.push(tasks.taskService.spawn(trivial, { name: 'email-job', owner: 'POST /jobs', meta: { requestId: request.id } }).id)
    }
    return reply.code(202).send({ ids })
  })
  await server.listen({ host: '127.0.0.1', port: 0 })
  const address = server.server.address()
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    stop: async () => {
      await server.close()
      await tasks.stop()
    },
  }
}

async function probe(port: number, durationMs: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const latencies: number[] = []
  const end = performance.now() + durationMs
  while (performance.now() < end) {
    const started = performance.now()
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/health/live', agent }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode === 200))
      })
      req.on('error', () => resolve(false))
      req.end()
    })
    if (ok) latencies.push(performance.now() - started)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  agent.destroy()
  return latencies
}

const variant = process.argv[2]
if (variant === 'probe') {
  process.stdout.write(`${JSON.stringify({ latencies: await probe(Number(process.argv[3]), Number(process.argv[4])) })}\n`)
} else if (variant === 'tsab' || variant === 'fastify') {
  const { port, stop } = variant === 'tsab' ? await startTsab() : await startFastify()
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)))
  process.stdout.write(`${JSON.stringify({ port })}\n`)
} else {
  throw new Error(`usage: web-server-child.js tsab|fastify|probe <port> <ms>, got ${String(variant)}`)
}
