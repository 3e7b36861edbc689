/**
 * The QueueService's config is read and checked when the service is added (spec §2a): a bad value makes
 * `app.start()` fail with `[section] key`, the value and what was expected, before anything connects, and nothing in
 * the config can make `finalize()` throw.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Application, createLogger, ErrorCodes, TsabError } from '@tsab/core'
import { QueueService } from '../src/index.js'

const savedUrl = process.env.REDIS_URL
const apps: Application[] = []
afterEach(async () => {
  if (savedUrl === undefined) delete process.env.REDIS_URL
  else process.env.REDIS_URL = savedUrl
  delete process.env.TSAB__QUEUESERVICE__SHUTDOWN_TIMEOUT
  for (const app of apps.splice(0)) await app.stop()
})

function make(config: Record<string, Record<string, unknown>>) {
  const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false, config })
  apps.push(app)
  return { app, queues: app.addService(QueueService) }
}

describe('QueueService config', () => {
  it.each([
    ['QueueService', 'shutdown_timeout', 'bogus', /^Config \[QueueService\] shutdown_timeout: expected a duration > 0 <= 86400000 ms .*, got "bogus" \(string\)$/],
    ['QueueService', 'shutdown_timeout', '1e309s', /^Config \[QueueService\] shutdown_timeout: .*got "1e309s"/],
    ['QueueService', 'shutdown_timeout', '0s', /^Config \[QueueService\] shutdown_timeout: expected a duration > 0/],
    ['QueueService', 'lock_duration', '0ms', /^Config \[QueueService\] lock_duration: expected a duration > 0 <= 86400000 ms .*, got "0ms"/],
    ['QueueService', 'stalled_interval', 'often', /^Config \[QueueService\] stalled_interval: .*got "often"/],
    ['QueueService', 'backend', 'kafka', /^Config \[QueueService\] backend: expected one of "memory", "bullmq", got "kafka" \(string\)$/],
    ['QueueService', 'prefix', 'my prefix', /^Config \[QueueService\] prefix: expected a non-empty Redis key prefix without blanks or braces, got "my prefix"/],
    ['redis', 'url', 'localhost:6379', /^Config \[redis\] url: expected a redis:\/\/ or rediss:\/\/ URL such as "redis:\/\/host:6379\/0", got "localhost:6379" \(string\)$/],
  ])('[%s] %s = %j fails start() with a TSAB_CONFIG_VALUE error naming it', async (section, key, value, message) => {
    delete process.env.REDIS_URL
    const { app, queues } = make({ [section]: { [key]: value } })
    let connected = false
    queues.define('job', () => void (connected = true))
    const error = await app.start().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(TsabError)
    expect((error as TsabError).code).toBe(ErrorCodes.ConfigValue)
    expect((error as Error).message).toMatch(message)
    expect(app.state).toBe('stopped')
    expect(app.exitCode).toBe(1)
    expect(connected).toBe(false)
  })

  it('TSAB__QUEUESERVICE__SHUTDOWN_TIMEOUT=bogus fails start(), so no worker ever runs with it (#12)', async () => {
    process.env.TSAB__QUEUESERVICE__SHUTDOWN_TIMEOUT = 'bogus'
    delete process.env.REDIS_URL
    const { app } = make({})
    await expect(app.start()).rejects.toThrow(/^Config \[QueueService\] shutdown_timeout: .*got "bogus"/)
  })

  it('a bad REDIS_URL names REDIS_URL and [redis] url', async () => {
    process.env.REDIS_URL = 'http://cache:6379'
    const { app } = make({})
    await expect(app.start()).rejects.toThrow('REDIS_URL (the default of config [redis] url): expected a redis:// or rediss:// URL such as "redis://host:6379/0", got "http://cache:6379" (string)')
  })

  it('a good config is applied, and finalize() uses the shutdown_timeout read at start', async () => {
    delete process.env.REDIS_URL
    const { app, queues } = make({ QueueService: { backend: 'memory', shutdown_timeout: '2s', prefix: 'shop' } })
    expect(queues.backend).toBe('memory')
    queues.define('double', (payload: { n: number }) => payload.n * 2)
    await app.start()
    const job = await queues.enqueue('double', { n: 21 })
    expect(await job.result).toBe(42)
    await expect(app.stop()).resolves.toBe(0)
  })
})
