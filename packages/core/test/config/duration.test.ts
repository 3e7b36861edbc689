import { describe, expect, it } from 'vitest'
import { parseDuration } from '../../src/config/duration.js'

describe('parseDuration()', () => {
  it.each([
    ['250ms', 250],
    ['10s', 10_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
    ['.5s', 500],
    ['0.25m', 15_000],
    ['1.1s', 1_100],
    ['0ms', 0],
    ['0.5ms', 0.5],
    [' 10 s ', 10_000],
    ['3 ms', 3],
  ])('converts %j to %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected)
  })

  it.each([
    [10, 10_000],
    [0, 0],
    [1.5, 1_500],
    [0.001, 1],
    ['10', 10_000],
    ['2.5', 2_500],
    [' 7 ', 7_000],
  ])('reads the bare number %j as seconds (%d ms)', (input, expected) => {
    expect(parseDuration(input)).toBe(expected)
  })

  it.each([['-5s'], ['-1'], ['5w'], ['5M'], ['10S'], ['5 sec'], ['1e3'], ['1e3s'], [''], ['   '], ['s'], ['5.s'], ['1,5s'], ['0x10'], ['NaN'], ['Infinity'], ['10s5'], ['5m 3s'], ['+5s']])(
    'rejects the string %j with a RangeError naming it',
    (input) => {
      expect(() => parseDuration(input, 'timeout')).toThrow(RangeError)
      expect(() => parseDuration(input, 'timeout')).toThrow(/Expected `timeout` to be a duration/)
      expect(() => parseDuration(input, 'timeout')).toThrow(JSON.stringify(input))
    },
  )

  it('names the unknown unit and the known ones', () => {
    expect(() => parseDuration('5w')).toThrow('unknown unit "w" (known: ms, s, m, h, d)')
  })

  it.each([[-1], [-0.5], [Number.NaN], [Infinity], [-Infinity], [Number.MAX_VALUE]])('rejects the number %d with a RangeError', (input) => {
    expect(() => parseDuration(input)).toThrow(RangeError)
  })

  it('rejects a value so large it overflows to Infinity', () => {
    expect(() => parseDuration(`${'9'.repeat(400)}d`)).toThrow(RangeError)
  })

  it.each([[null], [undefined], [true], [{}], [[]], [10n], [Symbol('x')]])('rejects %s with a TypeError', (input) => {
    expect(() => parseDuration(input)).toThrow(TypeError)
    expect(() => parseDuration(input)).toThrow(/Expected `duration` to be a duration/)
  })
})
