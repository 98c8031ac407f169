import { GatewayError } from '../hub/errors'
import type { HubResponse } from '../hub/response'
import type { Protocol } from '../protocols/types'
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../http/json-depth'
import { Redactor } from '../security/redactor'
import type { UpstreamResponse } from '../upstream/transport'
import { explainUpstreamError, type UpstreamCallContext } from './whose-fault'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** An upstream's JSON answer; anything else is a 502 that says, briefly and safely, what came back. */
export async function readUpstreamJson(res: UpstreamResponse, idleMs?: number): Promise<unknown> {
  return (await readUpstreamJsonBytes(res, idleMs)).json
}

/**
 * An upstream's JSON answer as it came (to pass on unchanged) and parsed (to
 * know it is JSON at all). An empty body, an HTML page, bytes that are not
 * UTF-8 or text that is not JSON are a 502 describing what came back, never
 * passed on as if they were an answer.
 */
export async function readUpstreamJsonBytes(res: UpstreamResponse, idleMs?: number): Promise<{ bytes: Uint8Array<ArrayBuffer>; json: unknown }> {
  const bytes = await readUpstreamBytes(res, idleMs)
  return { bytes, json: parseUpstreamJson(bytes, res) }
}

/**
 * An upstream's whole body; a connection that fails on the way is a 502, and a body that has not
 * arrived `idleMs` (STREAM_IDLE_TIMEOUT_MS) after its headers a 504. (The Node transport reads a
 * body that is not a stream before it answers, under UPSTREAM_TIMEOUT_MS; this bounds the others.)
 */
export async function readUpstreamBytes(res: UpstreamResponse, idleMs?: number): Promise<Uint8Array<ArrayBuffer>> {
  let timer: ReturnType<typeof setTimeout> | undefined
  // Made only when it happens: an error captures a stack trace, too dear to build for every answer.
  let late: GatewayError | undefined
  const tooLate = () => (late = new GatewayError('timeout', `The upstream sent its headers but not the rest of its answer within ${idleMs} ms.`))
  try {
    const body = res.arrayBuffer()
    const bytes = idleMs
      ? await Promise.race([body, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(tooLate()), idleMs)))])
      : await body
    return new Uint8Array(bytes)
  } catch (err) {
    if (late && err === late) throw late
    throw new GatewayError('bad_gateway', 'The upstream connection failed while sending the response.')
  } finally {
    clearTimeout(timer)
  }
}

/**
 * A body that must be JSON, parsed; see readUpstreamJsonBytes. One the gateway will walk (to
 * translate it) must not nest absurdly deep; one it only passes on (`walked: false`) may.
 */
export function parseUpstreamJson(bytes: Uint8Array, res: Pick<UpstreamResponse, 'status' | 'headers'>, walked = true): unknown {
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new GatewayError('bad_gateway', `The upstream answered HTTP ${res.status} with bytes that are not UTF-8 text.`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw notJson(res.status, res.headers.get('content-type'), text)
  }
  if (walked && nestsDeeperThan(value))
    throw new GatewayError('bad_gateway', `The upstream's answer nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays.`)
  return value
}

/**
 * An upstream's answer decoded to the hub; an answer the decoder chokes on
 * (a wrong type where an object belongs, say) is the upstream's fault: a 502.
 */
export function decodeUpstream(back: Pick<Protocol, 'decodeResponse'>, body: unknown): HubResponse {
  try {
    return back.decodeResponse(body)
  } catch (err) {
    if (err instanceof GatewayError) throw err
    throw new GatewayError('bad_gateway', 'The upstream answered with a response the gateway could not read.')
  }
}

/** What an answer that should have been JSON was instead, in a short message that carries none of its content but an HTML page's title. */
export function notJson(status: number, contentType: string | null, text: string): GatewayError {
  return new GatewayError('bad_gateway', `The upstream answered HTTP ${status} with ${describeBody(contentType, text)} instead of JSON.`)
}

function describeBody(contentType: string | null, text: string): string {
  const body = text.trim()
  if (body === '') return 'an empty body'
  if (isHtml(contentType, body)) {
    const title = /<title[^>]*>([^<]{1,200})<\/title>/i.exec(body)?.[1]?.replace(/\s+/g, ' ').trim()
    const safe = title?.replace(/[^\w .,:;!?()'/-]/g, '').slice(0, 80)
    return safe ? `an HTML page ("${safe}")` : 'an HTML page'
  }
  return `${body.length} characters of ${contentType ? contentType.split(';')[0]!.trim() : 'text'} that do not parse`
}

/** An HTML page (a proxy's or load balancer's error page): by its content type, or by how it starts. */
export function isHtml(contentType: string | null, body: string): boolean {
  if (contentType?.toLowerCase().includes('text/html')) return true
  const start = body.slice(0, 15).toLowerCase()
  return start.startsWith('<!doctype html') || start.startsWith('<html')
}

/**
 * An upstream's error body as text, capped so a huge HTML page cannot flood the
 * client; the gateway's secrets are removed first, so the cut never leaves half of one.
 */
export async function readUpstreamError(res: UpstreamResponse, redactor: Redactor = Redactor.none): Promise<string> {
  try {
    return redactor.text(await res.text()).slice(0, 8192)
  } catch {
    return ''
  }
}

/**
 * The upstream's error, decoded by its protocol, carrying its Retry-After. An
 * HTML error page (a proxy in front of the upstream) is said to be one: a 5xx
 * page is a 502, any other keeps its status; its text never reaches the client.
 * With the call's context, an upstream that refuses the gateway's own key and a
 * 404 are told as what they are (see whose-fault.ts). The gateway's secrets are removed.
 */
export async function upstreamError(
  res: UpstreamResponse,
  decode: (status: number, body: string) => GatewayError,
  call?: UpstreamCallContext,
  redactor: Redactor = Redactor.none,
): Promise<GatewayError> {
  // Secrets out before anything is cut short: a key across the cut would keep half of itself.
  const body = await readUpstreamError(res, redactor)
  const contentType = res.headers.get('content-type')
  let err = isHtml(contentType, body.trimStart())
    ? new GatewayError(
        res.status >= 500 ? 'bad_gateway' : decode(res.status, '').kind,
        `The upstream answered HTTP ${res.status} with ${describeBody(contentType, body)}, not an API response.`,
        { status: res.status >= 500 ? 502 : res.status, upstream: true },
      )
    : decode(res.status, body)
  if (call) err = explainUpstreamError(err, res.status, call)
  const retryAfter = res.headers.get('retry-after')
  if (retryAfter) err.retryAfter = redactor.text(retryAfter)
  return err
}

/**
 * A passed-through answer that is not a stream: checked to be JSON. A streaming request answered
 * with SSE under another content type (`data:`, `event:` or a `:` comment first) goes on as it is,
 * for the client's own parser.
 */
export async function readPassThroughBody(
  upstream: UpstreamResponse,
  stream: boolean,
  idleMs: number,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; json?: unknown }> {
  const bytes = await readUpstreamBytes(upstream, idleMs)
  if (stream && (bytes[0] === 0x3a || bytes[0] === 0x64 || bytes[0] === 0x65)) return { bytes }
  return { bytes, json: parseUpstreamJson(bytes, upstream, false) }
}
