import { GatewayError, invalidRequest } from '../hub/errors'
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth'

/**
 * Reads a JSON request body, refusing more than `maxBytes` (413) before it has
 * all arrived, and malformed JSON (400).
 */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  return (await readJson(req, maxBytes)).body
}

/** The parsed body and its text, so a body that goes on unchanged is not serialised again. */
export async function readJson(req: Request, maxBytes: number): Promise<{ body: Record<string, unknown>; text: string }> {
  const length = req.headers.get('content-length')
  const declared = length === null ? NaN : Number(length)
  if (declared > maxBytes) throw tooLarge(maxBytes)
  // A body of known size is read in one go (runtimes read it without stream machinery)…
  if (declared >= 0) return parse(new Uint8Array(await req.arrayBuffer()), maxBytes)
  // …one of unknown size is read piece by piece, and refused as soon as it is too big.
  if (!req.body) throw invalidRequest('The request body is empty; a JSON object is required.')
  const reader = req.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => {})
      throw tooLarge(maxBytes)
    }
    chunks.push(value)
  }
  return parse(chunks.length === 1 ? chunks[0]! : concat(chunks, size), maxBytes)
}

const decoder = new TextDecoder()

function parse(bytes: Uint8Array, maxBytes: number): { body: Record<string, unknown>; text: string } {
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes)
  const text = decoder.decode(bytes)
  if (!text.trim()) throw invalidRequest('The request body is empty; a JSON object is required.')
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (err) {
    throw invalidRequest(`The request body is not valid JSON: ${(err as Error).message}`)
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw invalidRequest('The request body must be a JSON object.')
  // Cheap (it visits only objects and arrays: ~2 µs for a 50 KB agent request, 3% of JSON.parse).
  if (nestsDeeperThan(body))
    throw invalidRequest(`The request body nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays.`)
  return { body: body as Record<string, unknown>, text }
}

function tooLarge(maxBytes: number) {
  return new GatewayError('request_too_large', `The request body exceeds the limit of ${maxBytes} bytes (MAX_BODY_BYTES).`)
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}
