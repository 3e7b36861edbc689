/**
 * The call-site check of a run's payload: everything a worker receives crosses the thread boundary by structured
 * clone, so a value that cannot (a function, a symbol, a WeakMap, a MessagePort that is not transferred) is a
 * `TypeError` from `run()` naming where it sits, not a failed task later. The walk copies nothing and skips
 * whatever is in the transfer list; `snapshot-payload.ts` uses it to name the culprit of a failed clone.
 */
import { expectedMessage } from '@tsab/core/support'

// Objects structured clone copies as they are, without looking inside.
const OPAQUE_TAGS = new Set(['Date', 'RegExp', 'Boolean', 'Number', 'String', 'BigInt', 'Error', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView'])

interface Pending {
  readonly value: object
  readonly parent: Pending | undefined
  readonly key: string
}

function pathOf(node: Pending | undefined, key: string | undefined, root: string): string {
  const keys: string[] = key === undefined ? [] : [key]
  for (let at = node; at !== undefined && at.parent !== undefined; at = at.parent) keys.push(at.key)
  return root + keys.reverse().join('')
}

function keyText(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}

function fail(root: string, node: Pending | undefined, key: string | undefined, value: unknown, cause?: unknown): never {
  const message = expectedMessage(pathOf(node, key, root), 'a value structured clone can copy to a worker thread (no function, symbol, WeakMap, promise, or port outside `transferList`)', value)
  throw new TypeError(message, cause === undefined ? undefined : { cause })
}

/**
 * Throws a `TypeError` naming the first part of `value` that cannot be sent to a worker thread.
 *
 * @param value - the payload
 * @param transfer - objects moved rather than copied (the run's `transferList`)
 * @param root - the argument's name in messages
 */
export function assertCloneable(value: unknown, transfer: ReadonlySet<unknown>, root = 'payload'): void {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') fail(root, undefined, undefined, value)
    return
  }
  const seen = new Set<object>()
  const stack: Pending[] = [{ value, parent: undefined, key: '' }]
  const visit = (node: Pending, key: string, child: unknown): void => {
    if (typeof child === 'function' || typeof child === 'symbol') fail(root, node, key, child)
    if (typeof child === 'object' && child !== null && !seen.has(child)) stack.push({ value: child, parent: node, key })
  }
  while (stack.length > 0) {
    const node = stack.pop()!
    const object = node.value
    if (seen.has(object)) continue
    seen.add(object)
    if (transfer.has(object) || ArrayBuffer.isView(object)) continue
    const tag = Object.prototype.toString.call(object).slice(8, -1)
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) visit(node, `[${i}]`, object[i])
    } else if (object instanceof Map) {
      let i = 0
      for (const [key, entry] of object) {
        visit(node, `<key ${i}>`, key)
        visit(node, `<value ${i++}>`, entry)
      }
    } else if (object instanceof Set) {
      let i = 0
      for (const entry of object) visit(node, `<entry ${i++}>`, entry)
    } else if (OPAQUE_TAGS.has(tag)) {
      continue
    } else if (tag === 'Object') {
      // Plain objects and class instances alike: structured clone copies their own enumerable string-keyed values.
      for (const key of Object.keys(object)) visit(node, keyText(key), (object as Record<string, unknown>)[key])
    } else {
      // Anything else (Blob, WeakMap, Promise, a port…): let structured clone itself decide.
      try {
        structuredClone(object)
      } catch (error) {
        fail(root, node, undefined, object, error)
      }
    }
  }
}
