/**
 * `validationMessage()`: turns the Ajv errors of a failed Fastify schema check into one sentence that names the
 * field and says what was expected. Used as the WebService's `schemaErrorFormatter`; answering is elsewhere.
 */

/**
 * The part of an Ajv error this formatter reads (Fastify passes Ajv's `ErrorObject`s).
 *
 * @example
 * ```ts
 * import type { SchemaError } from '@tsab/web'
 * const error: SchemaError = { instancePath: '', keyword: 'required', params: { missingProperty: 'kind' }, message: "must have required property 'kind'" }
 * ```
 */
export interface SchemaError {
  /** JSON pointer of the value that failed, e.g. `/count` or `/items/0/name`; `''` for the whole part. */
  instancePath: string
  /** The failed keyword, e.g. `required`, `type`, `enum`, `maximum`. */
  keyword: string
  /** Keyword details, e.g. `{ missingProperty: 'kind' }` or `{ allowedValues: [...] }`. */
  params: Record<string, unknown>
  /** Ajv's own message, e.g. `must be <= 1000`. */
  message?: string
}

const PARTS: Record<string, string> = { body: 'request body', querystring: 'query string', params: 'path parameters', headers: 'headers' }

/** `/items/0/name` → `items[0].name`. */
function fieldName(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path === '' ? segment : `${path}.${segment}`), '')
}

function describeOne(error: SchemaError): string {
  const field = fieldName(error.instancePath)
  const where = field === '' ? '' : `\`${field}\` `
  const child = (name: unknown): string => `\`${field === '' ? String(name) : `${field}.${String(name)}`}\``
  switch (error.keyword) {
    case 'required':
      return `missing field ${child(error.params['missingProperty'])}`
    case 'additionalProperties':
      return `unknown field ${child(error.params['additionalProperty'])}`
    case 'enum': {
      const allowed = (error.params['allowedValues'] as unknown[] | undefined) ?? []
      return `${where}must be one of: ${allowed.map((value) => JSON.stringify(value)).join(', ')}`
    }
    default:
      return `${where}${error.message ?? `fails the "${error.keyword}" rule`}`
  }
}

/**
 * One readable sentence for a failed schema check, naming the field: `Invalid request body: missing field \`kind\``,
 * `Invalid request body: \`count\` must be <= 1000`, `Invalid query string: \`limit\` must be integer`.
 *
 * @param errors - Ajv's errors (Fastify stops at the first unless Ajv's `allErrors` is on)
 * @param part - the part that failed: `body`, `querystring`, `params` or `headers`
 * @example
 * ```ts
 * import { validationMessage } from '@tsab/web'
 * const message = validationMessage([{ instancePath: '/count', keyword: 'maximum', params: { limit: 1000 }, message: 'must be <= 1000' }], 'body')
 * console.log(message) // Invalid request body: `count` must be <= 1000
 * ```
 */
export function validationMessage(errors: readonly SchemaError[], part: string): string {
  const details = errors.map(describeOne)
  return `Invalid ${PARTS[part] ?? part}: ${[...new Set(details)].join('; ')}`
}
