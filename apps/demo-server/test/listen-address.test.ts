import { describe, expect, it } from 'vitest'
import { DEFAULT_HOST, parseListen } from '../src/listen-address.js'

describe('parseListen()', () => {
  it.each([
    ['127.0.0.1:8080', undefined, { host: '127.0.0.1', port: 8080 }],
    ['0.0.0.0:80', undefined, { host: '0.0.0.0', port: 80 }],
    ['localhost:3000', undefined, { host: 'localhost', port: 3000 }],
    ['[::1]:8080', undefined, { host: '::1', port: 8080 }],
    [' 9000 ', undefined, { host: '127.0.0.1', port: 9000 }],
    ['127.0.0.1:8080', '0', { host: '127.0.0.1', port: 0 }],
    ['[::]:8080', '3000', { host: '::', port: 3000 }],
    ['127.0.0.1:8080', '', { host: '127.0.0.1', port: 8080 }],
    ['127.0.0.1:65535', undefined, { host: '127.0.0.1', port: 65535 }],
  ])('%j with PORT %j', (listen, port, expected) => {
    expect(parseListen(listen, port)).toEqual(expected)
  })

  it('defaults to the loopback interface, never to every interface', () => {
    expect(DEFAULT_HOST).toBe('127.0.0.1')
  })

  it.each([
    ['localhost', 'Expected `[web] listen` to be "host:port", "[ipv6]:port" or a port number, got "localhost"'],
    ['', 'got ""'],
    ['127.0.0.1:', 'got "127.0.0.1:"'],
    [':8080', 'got ":8080"'],
    ['::1:8080', 'got "::1:8080"'],
    ['127.0.0.1:http', 'got "127.0.0.1:http"'],
    ['127.0.0.1:65536', 'Expected `[web] listen` to be a port number from 0 to 65535, got "65536"'],
    ['123456', 'Expected `[web] listen` to be a port number from 0 to 65535, got "123456"'],
  ])('rejects listen %j with a RangeError', (listen, message) => {
    expect(() => parseListen(listen)).toThrow(RangeError)
    expect(() => parseListen(listen)).toThrow(message)
  })

  it.each(['-1', '80.5', '1e3', 'x', '99999'])('rejects PORT %j with a RangeError naming PORT', (port) => {
    expect(() => parseListen('127.0.0.1:8080', port)).toThrow(
      `Expected \`PORT\` to be a port number from 0 to 65535, got ${JSON.stringify(port)}`,
    )
  })
})
