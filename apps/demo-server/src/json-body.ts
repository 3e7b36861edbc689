/**
 * `readJsonBody()`: reads a request body as JSON with the checks a public endpoint needs: the content type
 * (415), a size limit (413) and the syntax (400). Routing and responses are the HttpService's.
 */
import type { IncomingMessage } from 'node:http'
import { HttpError } from './http-error.js'

/** Options of {@link readJsonBody}. */
export interface ReadJsonBodyOptions {
  /** Largest accepted body, in bytes. @default 16384 */
  maxBytes?: number
}

/** `application/json`, optionally with `charset=utf-8`; anything else is refused with 415. */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const [mediaType, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase())
  if (mediaType !== 'application/json') return false
  return params.every((param) => !param.startsWith('charset=') || /^charset="?utf-8"?$/.test(param))
}

/** Collects the raw body, refusing it as soon as it grows past `maxBytes`. */
function collect(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const cleanup = (): void => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size <= maxBytes) {
        chunks.push(chunk)
        return
      }
      cleanup()
      chunks.length = 0
      // Stop keeping the body but let the stream drain into the void: destroying it now would reset the socket
      // before the client has read our 413. The `connection: close` header ends the connection after the answer.
      req.resume()
      reject(tooLarge(maxBytes))
    }
    const onEnd = (): void => {
      cleanup()
      resolve(Buffer.concat(chunks, size))
    }
    const onError = (error: Error): void => {
      cleanup()
      reject(error)
    }
    // The client went away before sending the whole body: there is nobody left to answer.
    const onClose = (): void => {
      cleanup()
      reject(new Error('The client closed the connection before the request body was complete'))
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
  })
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `Request body is larger than the limit of ${maxBytes} bytes`, { connection: 'close' })
}

/**
 * Reads and parses the JSON body of `req`.
 *
 * - content type other than `application/json` (charset utf-8 if given) → 415, the body is not read;
 * - a declared `content-length` above `maxBytes` → 413 at once; a body that turns out larger → 413 as soon as
 *   the limit is passed (the rest is discarded, not buffered, and the connection is closed after the answer);
 * - an empty body or invalid JSON → 400 naming the problem.
 *
 * @returns the parsed value (any JSON value: checking its shape is the route's job)
 * @throws {@link HttpError} with status 400, 413 or 415
 * @example
 * ```ts fragment
 * const body = await readJsonBody(req, { maxBytes: 16 * 1024 })
 * ```
 */
export async function readJsonBody(req: IncomingMessage, options: ReadJsonBodyOptions = {}): Promise<unknown> {
  const maxBytes = options.maxBytes ?? 16 * 1024
  const contentType = req.headers['content-type']
  if (!isJson(contentType)) {
    throw new HttpError(
      415,
      `Expected \`content-type\` to be application/json, got ${contentType === undefined ? 'none' : JSON.stringify(contentType)}`,
    )
  }
  const declared = Number(req.headers['content-length'])
  if (declared > maxBytes) throw tooLarge(maxBytes)

  const text = (await collect(req, maxBytes)).toString('utf8')
  if (text.trim() === '') throw new HttpError(400, 'Request body is empty; expected a JSON object')
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new HttpError(400, `Request body is not valid JSON: ${(error as Error).message}`)
  }
}
