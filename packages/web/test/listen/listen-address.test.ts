import { describe, expect, it } from 'vitest'
import { formatListenAddress, isLoopbackHost, parseListenAddresses } from '../../src/index.js'

describe('parseListenAddresses()', () => {
  it.each([
    ['127.0.0.1:8080', undefined, [{ host: '127.0.0.1', port: 8080 }]],
    ['0.0.0.0:80', undefined, [{ host: '0.0.0.0', port: 80 }]],
    ['localhost:3000', undefined, [{ host: 'localhost', port: 3000 }]],
    ['[::1]:8080', undefined, [{ host: '::1', port: 8080 }]],
    [' 9000 ', undefined, [{ host: '127.0.0.1', port: 9000 }]],
    ['127.0.0.1:8080', '0', [{ host: '127.0.0.1', port: 0 }]],
    ['127.0.0.1:8080', '', [{ host: '127.0.0.1', port: 8080 }]],
    ['127.0.0.1:8080 [::1]:8081', '3000', [{ host: '127.0.0.1', port: 3000 }, { host: '::1', port: 8081 }]],
    ['127.0.0.1:8080\n  0.0.0.0:9090\n', undefined, [{ host: '127.0.0.1', port: 8080 }, { host: '0.0.0.0', port: 9090 }]],
  ])('%j with PORT %j', (listen, port, expected) => {
    expect(parseListenAddresses(listen, port)).toEqual(expected)
  })

  it.each([
    ['localhost', 'Config [web] listen: expected "host:port", "[ipv6]:port" or a port number (several separated by spaces), got "localhost" (string)'],
    ['', 'Config [web] listen: expected at least one address such as "127.0.0.1:8080", got "" (string)'],
    ['127.0.0.1:', 'got "127.0.0.1:"'],
    ['::1:8080', 'got "::1:8080"'],
    ['127.0.0.1:8080 nope', 'got "nope"'],
    ['127.0.0.1:65536', 'Config [web] listen: expected an address whose port is from 0 to 65535, got "127.0.0.1:65536" (string)'],
    ['65536', 'Config [web] listen: expected a port number from 0 to 65535, got "65536" (string)'],
  ])('rejects listen %j naming [web] listen', (listen, message) => {
    expect(() => parseListenAddresses(listen)).toThrow(expect.objectContaining({ code: 'TSAB_CONFIG_VALUE', message: expect.stringContaining(message) }))
  })

  it.each(['-1', '80.5', 'x', '99999'])('rejects PORT %j naming PORT', (port) => {
    expect(() => parseListenAddresses('127.0.0.1:8080', port)).toThrow(
      `Environment variable PORT: expected a port number from 0 to 65535, got ${JSON.stringify(port)} (string)`,
    )
  })
})

describe('formatListenAddress() and isLoopbackHost()', () => {
  it('brackets IPv6 hosts', () => {
    expect(formatListenAddress({ host: '127.0.0.1', port: 1 })).toBe('127.0.0.1:1')
    expect(formatListenAddress({ host: '::', port: 2 })).toBe('[::]:2')
  })

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['localhost', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected)
  })
})
