/**
 * The dashboard's HTTP side, a Fastify plugin: `GET /tsab/` (the page), `GET /tsab/api/tasks` (a JSON snapshot),
 * `GET /tsab/api/events` (Server-Sent Events) and `GET /tsab/assets/<file>` (the page's script and styles, uPlot).
 * Read-only: nothing here changes a task. With a token, the page and the API ask for it (401 otherwise); the
 * assets, the same for every install, do not. The data is the {@link Dashboard}'s.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorBody } from '../errors/error-responses.js'
import { tokenChecker } from './dashboard-auth.js'
import type { Dashboard } from './dashboard.js'
import type { PageAsset } from './page-assets.js'

/** What the dashboard routes serve. */
export interface DashboardRoutesOptions {
  readonly dashboard: Dashboard
  /** `[web] dashboard_token`: when set, the page and the API answer 401 without it. */
  readonly token: string | undefined
}

// The page runs only its own script and styles, talks only to its own server, and is never framed.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // The token may be in the page's URL: never send it elsewhere.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const

function unauthorized(reply: FastifyReply): FastifyReply {
  const body: ErrorBody = {
    error: 'The dashboard needs its token: send "Authorization: Bearer <token>" or add ?token=<token> ([web] dashboard_token)',
    statusCode: 401,
  }
  return reply.code(401).header('www-authenticate', 'Bearer realm="tsab dashboard"').header('cache-control', 'no-store').send(body)
}

function sendAsset(reply: FastifyReply, asset: PageAsset, headers: Record<string, string> = {}): FastifyReply {
  return reply.headers({ 'content-type': asset.contentType, 'x-content-type-options': 'nosniff', ...headers }).send(asset.body)
}

/**
 * Adds the dashboard's routes to `server` (a Fastify plugin: register it with `server.register(dashboardRoutes,
 * options)`).
 */
export async function dashboardRoutes(server: FastifyInstance, options: DashboardRoutesOptions): Promise<void> {
  const { dashboard, token } = options
  const isAuthorized = token === undefined ? undefined : tokenChecker(token)
  const guard = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> =>
    isAuthorized === undefined || isAuthorized(request) ? undefined : unauthorized(reply)

  // Relative, so that the page also works behind a proxy that serves the app under a path of its own.
  server.get('/tsab', async (request, reply) => {
    const query = request.url.indexOf('?')
    return reply.redirect(`tsab/${query < 0 ? '' : request.url.slice(query)}`, 302)
  })

  server.get('/tsab/', { onRequest: guard }, async (_request, reply) => sendAsset(reply, dashboard.assets.page, PAGE_HEADERS))

  server.get('/tsab/assets/:file', async (request, reply) => {
    const { file } = request.params as { file: string }
    const asset = dashboard.assets.files.get(file)
    if (asset === undefined) {
      const body: ErrorBody = { error: `No dashboard file ${JSON.stringify(file)}`, statusCode: 404 }
      return reply.code(404).send(body)
    }
    return sendAsset(reply, asset, { 'cache-control': 'no-cache' })
  })

  server.get('/tsab/api/tasks', { onRequest: guard }, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send(dashboard.snapshot()),
  )

  server.get('/tsab/api/events', { onRequest: guard, exposeHeadRoute: false }, async (request, reply) => {
    if (!dashboard.acceptsStreams) {
      const body: ErrorBody = { error: 'The dashboard accepts no more event streams now; retry later', statusCode: 503 }
      return reply.code(503).header('retry-after', '1').send(body)
    }
    // From here on the response is the stream's, not Fastify's.
    reply.hijack()
    request.log.debug('Dashboard event stream opened')
    dashboard.openStream(reply.raw)
    return reply
  })
}
