/**
 * The WebService's schema validator factory: Fastify's own Ajv compiler, with one difference for request bodies.
 * Fastify's defaults coerce types (`"3"` passes as `3`) and silently drop properties a schema forbids; for a JSON
 * body that hides client mistakes, so bodies are checked strictly (no coercion, unknown fields are a 400). Query
 * strings, path parameters and headers, which are text by nature, keep Fastify's coercion.
 */
import AjvCompiler from '@fastify/ajv-compiler'

type Factory = ReturnType<typeof AjvCompiler>
type Options = NonNullable<Parameters<Factory>[1]>

/** Options Fastify's Ajv gets for request bodies, on top of Fastify's defaults. */
const STRICT_BODY = { coerceTypes: false, removeAdditional: false } as const

/** Builds a `schemaController.compilersFactory.buildValidator` for Fastify (see the file header). */
export function strictBodyValidatorFactory(): Factory {
  const pool = AjvCompiler()
  return (externalSchemas, options) => {
    const base = (options ?? {}) as Options & { customOptions?: Record<string, unknown> }
    const forBody = pool(externalSchemas, { ...base, customOptions: { ...base.customOptions, ...STRICT_BODY } } as Options)
    const forOthers = pool(externalSchemas, base)
    return (route) => (route.httpPart === 'body' ? forBody(route) : forOthers(route))
  }
}
