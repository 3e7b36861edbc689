/**
 * The base class of every error tsab throws on purpose.
 *
 * Only the base lives here; each failure kind has its own subclass in this folder.
 */
import type { ErrorCode } from './codes.js'

/**
 * Base of every tsab error: a normal `Error` with a machine-readable `code`.
 *
 * The `cause` (ES2022 error cause) is kept when given.
 *
 * @example
 * ```ts
 * import { TsabError } from '@tsab/core'
 * try {
 *   app.getService('Nope')
 * } catch (error) {
 *   if (error instanceof TsabError) console.log(error.code) // 'TSAB_SERVICE_NOT_FOUND'
 * }
 * ```
 */
export class TsabError extends Error {
  /** Machine-readable code, stable across releases (see `docs/reference/errors.md`). */
  readonly code: ErrorCode | (string & {})

  constructor(code: ErrorCode | (string & {}), message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`
  }
}
