import type { EncodeRequestContext, UpstreamQuirks } from '../types'

type Wire = Record<string, unknown>
const isObj = (v: unknown): v is Wire => !!v && typeof v === 'object' && !Array.isArray(v)

const ALPHANUMERIC_9 = /^[A-Za-z0-9]{9}$/
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** cyrb53: a fast, well-mixed 53-bit string hash (no crypto needed: ids are not secrets). */
function hash53(s: string): number {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507)
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507)
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/**
 * A tool-call id Mistral accepts: 9 characters of [a-zA-Z0-9]. A valid id is
 * kept; any other becomes the base62 digest of the whole id, so the same id
 * always maps to the same result and a call still pairs with its result
 * (62^9 > 2^53, so the 9 digits hold the full hash).
 */
export function alphanumeric9Id(id: string): string {
  if (ALPHANUMERIC_9.test(id)) return id
  let n = hash53(id)
  let out = ''
  for (let i = 0; i < 9; i++) {
    out = BASE62[n % 62] + out
    n = Math.floor(n / 62)
  }
  return out
}

/**
 * Applies a host's quirks to a Chat Completions body: tool-call ids, required
 * `reasoning_content`, refused and renamed fields. It works on wire JSON, so
 * the encoder runs it on what it built and a pass-through body (same protocol
 * on both sides) can go through it too; unknown fields are left alone.
 * Returns the same object, changed in place.
 */
/** Pass-through: a client's body through the host's quirks, or undefined when the host has none that touch it. */
export function adaptPassThrough(body: Wire, ctx: EncodeRequestContext): Wire | undefined {
  const q = ctx.quirks
  if (!q.toolCallIds && !q.reasoningContentRequired && !q.dropParams?.length && !q.renameParams) return undefined
  return applyUpstreamQuirks(structuredClone(body), q, ctx.warn)
}

export function applyUpstreamQuirks(body: Wire, quirks: UpstreamQuirks, warn: (message: string) => void): Wire {
  const mapId = quirks.toolCallIds === 'alphanumeric9' ? alphanumeric9Id : undefined
  if ((mapId || quirks.reasoningContentRequired) && Array.isArray(body.messages)) {
    for (const m of body.messages) {
      if (!isObj(m)) continue
      if (m.role === 'assistant') {
        if (mapId && Array.isArray(m.tool_calls))
          for (const call of m.tool_calls) if (isObj(call) && typeof call.id === 'string') call.id = mapId(call.id)
        if (quirks.reasoningContentRequired && typeof m.reasoning_content !== 'string') m.reasoning_content = ''
      } else if (m.role === 'tool' && mapId && typeof m.tool_call_id === 'string') {
        m.tool_call_id = mapId(m.tool_call_id)
      }
    }
  }
  for (const name of quirks.dropParams ?? []) {
    if (!(name in body)) continue
    delete body[name]
    if (name !== 'stream_options') warn(`${name} dropped: the upstream does not accept it.`)
  }
  for (const [from, to] of Object.entries(quirks.renameParams ?? {})) {
    if (!(from in body)) continue
    body[to] = body[from]
    delete body[from]
  }
  return body
}
