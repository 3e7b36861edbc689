/**
 * `AllowedMethods`: which methods some route answers on a path, so a request with another method gets 405 with an
 * `allow` header instead of Fastify's 404. Fed by Fastify's `onRoute` hook; matching is find-my-way's, the router
 * Fastify itself uses, so path parameters and wildcards match as they do for routing.
 */
import Router from 'find-my-way'

type Method = Router.HTTPMethod

/**
 * The routes' methods by path pattern.
 *
 * @example
 * ```ts fragment
 * const allowed = new AllowedMethods()
 * allowed.add('GET', '/users/:id')
 * allowed.methodsFor('/users/7') // ['GET']
 * ```
 */
export class AllowedMethods {
  // A router with a no-op handler per route: only whether a path matches a method matters here.
  readonly #router = Router()
  // Every method some route uses, in first-seen order: only these are tried for a path.
  readonly #methods: Method[] = []

  /** Records a route (Fastify's `routeOptions.method` may be a list). */
  add(method: string | readonly string[], url: string): void {
    for (const one of typeof method === 'string' ? [method] : method) {
      const upper = one.toUpperCase() as Method
      try {
        this.#router.on(upper, url, () => {})
      } catch {
        // A method or pattern find-my-way does not know (e.g. a custom verb): Fastify validated the route already,
        // so all that is lost is a 405 for it.
        continue
      }
      if (!this.#methods.includes(upper)) this.#methods.push(upper)
    }
  }

  /** The methods a route answers on `path` (no query string), empty when no route matches it. */
  methodsFor(path: string): Method[] {
    return this.#methods.filter((method) => this.#router.find(method, path) !== null)
  }
}
