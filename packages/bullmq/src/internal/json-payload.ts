/**
 * The JSON check of job payloads: a payload must survive `JSON.stringify` unchanged in meaning, because the
 * bullmq backend stores it in Redis. The memory backend applies the same rule so both behave alike.
 */

function pathOf(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`
}

function kindOf(value: unknown): string {
  if (typeof value === 'function') return `a function (${(value as { name?: string }).name || 'anonymous'})`
  if (typeof value === 'symbol') return `a symbol (${value.toString()})`
  if (typeof value === 'bigint') return `a bigint (${value}n)`
  if (typeof value === 'number') return `a non-finite number (${value})`
  if (value === undefined) return 'undefined'
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name
  return `an instance of ${ctor || 'a class'}`
}

function fail(path: string, what: string): never {
  throw new TypeError(`Expected \`${path}\` to be JSON-serialisable (plain objects, arrays, strings, finite numbers, booleans, null), got ${what}`)
}

/**
 * Throws a `TypeError` naming the first path (e.g. `payload.items[2].at`) that JSON cannot carry faithfully:
 * functions, symbols, bigints, non-finite numbers, cycles, `undefined` at the top level or in an array, and
 * objects that are not plain (Map, Set, Date, class instances). `undefined` object properties are dropped by JSON
 * like everywhere else and are allowed.
 */
export function assertJsonPayload(value: unknown, path = 'payload'): void {
  if (value === undefined) fail(path, 'undefined')
  visit(value, path, new Set())
}

function visit(value: unknown, path: string, stack: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(path, kindOf(value))
    return
  }
  if (typeof value !== 'object') fail(path, kindOf(value))
  const object = value as object
  if (stack.has(object)) fail(path, 'a circular reference')
  stack.add(object)
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      const item: unknown = object[i]
      if (item === undefined) fail(pathOf(path, i), 'undefined')
      visit(item, pathOf(path, i), stack)
    }
  } else {
    const proto = Object.getPrototypeOf(object)
    if (proto !== Object.prototype && proto !== null) fail(path, kindOf(object))
    if (Object.getOwnPropertySymbols(object).length > 0) fail(path, 'an object with symbol keys')
    for (const key of Object.keys(object)) {
      const item: unknown = (object as Record<string, unknown>)[key]
      if (item === undefined) continue
      visit(item, pathOf(path, key), stack)
    }
  }
  stack.delete(object)
}
