import type * as http from 'node:http'

/** What the loopback services share of HTTP: JSON answers and bounded request bodies. */

/** Answers `body` as JSON with a Content-Length; `headers` come last and win. Returns `status`. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {}
): number {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers
  })
  res.end(text)
  return status
}

/**
 * The request body, at most `max` bytes; a larger one throws what `tooLarge` makes (each service
 * answers it in its own error shape).
 */
export async function readBody(
  req: http.IncomingMessage,
  max: number,
  tooLarge: (message: string) => Error
): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > max) throw tooLarge(`request body exceeds ${max} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}
