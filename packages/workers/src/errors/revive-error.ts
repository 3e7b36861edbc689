/**
 * Main side of a worker function's failure: turns the `SerializedError` the worker sent back into an Error with
 * the same class (for JavaScript's built-in ones), name, message, stack, own properties and cause chain.
 */
import type { SerializedError } from '../worker/protocol.js'

const BUILT_IN: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
}

/** The value a worker threw, rebuilt on this thread. */
export function reviveError(serialized: SerializedError): unknown {
  if (serialized.kind === 'value') return serialized.value
  const name = serialized.name ?? 'Error'
  const message = serialized.message ?? ''
  let error: Error
  if (name === 'AggregateError') {
    error = new AggregateError((serialized.errors ?? []).map(reviveError), message)
  } else {
    const Class = Object.hasOwn(BUILT_IN, name) ? BUILT_IN[name]! : Error
    error = new Class(message)
    // Custom classes cannot be rebuilt here; the name still tells them apart (`error.name === 'ValidationError'`).
    if (error.name !== name) Object.defineProperty(error, 'name', { value: name, configurable: true, writable: true })
  }
  Object.defineProperty(error, 'stack', { value: serialized.stack ?? `${name}: ${message}`, configurable: true, writable: true })
  if (serialized.props !== undefined) Object.assign(error, serialized.props)
  if (serialized.cause !== undefined) {
    Object.defineProperty(error, 'cause', { value: reviveError(serialized.cause), configurable: true, writable: true })
  }
  return error
}
