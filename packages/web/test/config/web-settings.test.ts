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
      dashboard: false,
      dashboardToken: undefined,
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
        dashboard: 'yes',
        dashboard_token: ' s3cret-s3cret-s3cret\n',
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
      dashboard: true,
      dashboardToken: 's3cret-s3cret-s3cret',
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
    [{ dashboard: 'maybe' }, 'Config [web] dashboard: expected a boolean'],
  ])('rejects %j naming the key', (web, message) => {
    expect(() => readWebSettings(config(web), {})).toThrow(expect.objectContaining({ code: 'TSAB_CONFIG_VALUE', message: expect.stringContaining(message) }))
  })

  it.each([
    ['0.0.0.0:8080', '0.0.0.0:8080'],
    ['127.0.0.1:8080 [::]:8080', '[::]:8080'],
    ['192.168.1.5:80', '192.168.1.5:80'],
  ])('refuses dashboard = true on %s without a dashboard_token, naming both keys and the address', (listen, exposed) => {
    for (const token of [undefined, '', '   ']) {
      expect(() => readWebSettings(config({ listen, dashboard: true, dashboard_token: token }), {})).toThrow(
        expect.objectContaining({
          code: 'TSAB_CONFIG_VALUE',
          message: expect.stringMatching(new RegExp(`^Config \\[web\\] dashboard = true while \\[web\\] listen includes ${exposed.replace(/[[\].]/g, '\\$&')}, .*set \\[web\\] dashboard_token`)),
        }),
      )
    }
  })

  it('refuses a dashboard_token shorter than 16 characters or with blanks, without showing it', () => {
    for (const token of ['Q', 'fifteen-chars!!', 'has blanks in the middle']) {
      let message = ''
      try {
        readWebSettings(config({ listen: '0.0.0.0:8080', dashboard: true, dashboard_token: token }), {})
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toMatch(/^Config \[web\] dashboard_token: expected a token of at least 16 characters without blanks/)
      expect(message).not.toContain(token)
    }
  })

  it('allows the dashboard on loopback without a token, and anywhere with one', () => {
    for (const listen of ['127.0.0.1:8080', '[::1]:8080', 'localhost:8080 127.0.0.2:9000']) {
      expect(readWebSettings(config({ listen, dashboard: true }), {})).toMatchObject({ dashboard: true, dashboardToken: undefined })
    }
    const token = '0123456789abcdef'
    expect(readWebSettings(config({ listen: '0.0.0.0:8080', dashboard: true, dashboard_token: token }), {})).toMatchObject({ dashboardToken: token })
    // Off, a non-loopback address needs nothing.
    expect(readWebSettings(config({ listen: '0.0.0.0:8080' }), {}).dashboard).toBe(false)
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
    [{ listen: '0.0.0.0:0', dashboard: true }, '[web] dashboard_token'],
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
