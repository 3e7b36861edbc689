import { Config } from '@tsab/core'
import { createTestApplication } from '@tsab/core/testing'
import { describe, expect, it, vi } from 'vitest'
import { readWebSettings } from '../../src/index.js'
import { collectUnhandledRejections, Level, memoryLogger, WebApp } from '../support/web-app.js'

collectUnhandledRejections()

const config = (web: Record<string, unknown>) => new Config({ config: { web }, env: {} })

describe('readWebSettings()', () => {
  it('has safe defaults', () => {
    expect(readWebSettings(config({}), {})).toEqual({
      addresses: [{ host: '127.0.0.1', port: 8080 }],
      bodyLimit: 1_048_576,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      connectionTimeoutMs: 60_000,
      maxHeaderSize: 16_384,
      shutdownDelayMs: 0,
      shutdownTimeoutMs: 10_000,
      retryAfterSeconds: 1,
    })
  })

  it('reads every key, from strings too (INI files and the environment)', () => {
    const settings = readWebSettings(
      config({
        listen: '0.0.0.0:80 [::]:80',
        body_limit: '2048',
        headers_timeout: '2s',
        request_timeout: '5s',
        keep_alive_timeout: '1s',
        connection_timeout: '0',
        max_header_size: '8192',
        shutdown_delay: '3s',
        shutdown_timeout: '20s',
        retry_after: '1500ms',
      }),
      { PORT: '8081' },
    )
    expect(settings).toEqual({
      addresses: [{ host: '0.0.0.0', port: 8081 }, { host: '::', port: 80 }],
      bodyLimit: 2048,
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 5_000,
      keepAliveTimeoutMs: 1_000,
      connectionTimeoutMs: 0,
      maxHeaderSize: 8192,
      shutdownDelayMs: 3_000,
      shutdownTimeoutMs: 20_000,
      retryAfterSeconds: 2,
    })
  })

  it('caps headers_timeout at request_timeout', () => {
    expect(readWebSettings(config({ request_timeout: '3s' }), {}).headersTimeoutMs).toBe(3_000)
  })

  it.each([
    [{ body_limit: -1 }, 'Config [web] body_limit: expected an integer >= 1 <= 2147483647, got -1 (number)'],
    [{ body_limit: '1.5' }, 'Config [web] body_limit: expected an integer'],
    [{ body_limit: 'lots' }, 'Config [web] body_limit: expected an integer'],
    [{ request_timeout: '0s' }, 'Config [web] request_timeout: expected a duration > 0'],
    [{ headers_timeout: '-1s' }, 'Config [web] headers_timeout: expected a duration'],
    [{ keep_alive_timeout: 'soon' }, 'Config [web] keep_alive_timeout: expected a duration'],
    [{ connection_timeout: '-5' }, 'Config [web] connection_timeout: expected a duration'],
    [{ max_header_size: 10 }, 'Config [web] max_header_size: expected an integer >= 1024'],
    [{ shutdown_delay: '2h' }, 'Config [web] shutdown_delay: expected a duration >= 0 <= 3600000 ms'],
    [{ shutdown_timeout: 'x' }, 'Config [web] shutdown_timeout: expected a duration'],
    [{ retry_after: 0 }, 'Config [web] retry_after: expected a duration > 0'],
    [{ listen: 'nowhere' }, 'Config [web] listen: expected "host:port"'],
  ])('rejects %j naming the key', (web, message) => {
    expect(() => readWebSettings(config(web), {})).toThrow(expect.objectContaining({ code: 'TSAB_CONFIG_VALUE', message: expect.stringContaining(message) }))
  })

  it('warns about [web] keys nothing reads', () => {
    const { logger, lines } = memoryLogger()
    readWebSettings(config({ max_body_size: 5, dashboard: true }), {}, logger)
    expect(lines).toEqual([expect.objectContaining({ level: Level.warn, keys: ['max_body_size'], msg: expect.stringContaining('Config [web] has keys nothing reads: max_body_size') })])
  })
})

describe('a bad [web] value', () => {
  it.each([
    [{ body_limit: -1 }, '[web] body_limit'],
    [{ shutdown_timeout: 'never' }, '[web] shutdown_timeout'],
    [{ listen: 'localhost' }, '[web] listen'],
  ])('%j makes start() reject naming %s, and nothing listens', async (web, key) => {
    await expect(createTestApplication({ config: { web } }, WebApp)).rejects.toThrow(key)
  })

  it('a bad PORT makes start() reject naming PORT', async () => {
    vi.stubEnv('PORT', 'eighty')
    try {
      await expect(createTestApplication({ config: { web: { listen: '127.0.0.1:0' } } }, WebApp)).rejects.toThrow(
        'Environment variable PORT: expected a port number from 0 to 65535, got "eighty" (string)',
      )
    } finally {
      vi.unstubAllEnvs()
    }
  })
})
