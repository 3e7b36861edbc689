/**
 * The dashboard's token check: the token comes as `Authorization: Bearer <token>` or as the `token` query parameter
 * (what an `EventSource` can send) and is compared in constant time. Which routes need it is the routes' business.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/**
 * A checker for `token`: `true` when the request carries it. Both sides are hashed before `timingSafeEqual`, so
 * neither the time taken nor an early length mismatch tells anything about the token.
 */
export function tokenChecker(token: string): (request: FastifyRequest) => boolean {
  const expected = digest(token)
  return (request) => {
    const given = presentedToken(request)
    // Hash and compare even when nothing was given, so a missing token costs what a wrong one does.
    return timingSafeEqual(digest(given ?? ''), expected) && given !== undefined
  }
}

/** The token a request presents: the bearer token if there is one, else `?token=`. */
function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (typeof header === 'string') {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
    if (match !== null) return match[1]
  }
  const query = request.query as Record<string, unknown> | undefined
  const fromQuery = query?.['token']
  return typeof fromQuery === 'string' ? fromQuery : undefined
}
