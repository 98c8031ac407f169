import type { SignatureFormat } from './request'

/**
 * Reasoning signatures are only valid for the provider family that made them,
 * but clients carry them in their own protocol's field (Anthropic `signature`,
 * Responses `encrypted_content`), which has no room for the format. A signature
 * from another family is wrapped so the gateway knows its origin when the client
 * sends it back: `gwsig.<format>.<signature>`. A protocol's own signatures pass
 * through untouched.
 */
const PREFIX = 'gwsig.'

export function wrapSignature(signature: string, format: SignatureFormat | undefined, own: SignatureFormat): string {
  if (format === undefined || format === own) return signature
  return `${PREFIX}${format}.${signature}`
}

export function unwrapSignature(raw: string, own: SignatureFormat): { signature: string; format: SignatureFormat } {
  if (raw.startsWith(PREFIX)) {
    const dot = raw.indexOf('.', PREFIX.length)
    if (dot > PREFIX.length) return { format: raw.slice(PREFIX.length, dot), signature: raw.slice(dot + 1) }
  }
  return { signature: raw, format: own }
}

/**
 * Gemini `thoughtSignature`s belong to function calls, and clients of other
 * protocols can only carry them in the call's id. The id becomes
 * `<id>__gsig__<signature as base64url>` (ids stay within [A-Za-z0-9_-]).
 */
const ID_MARK = '__gsig__'

export function packCallId(id: string, signature: string | undefined): string {
  if (!signature) return id
  return `${id}${ID_MARK}${toBase64Url(signature)}`
}

export function unpackCallId(id: string): { id: string; signature?: string } {
  const at = id.indexOf(ID_MARK)
  if (at === -1) return { id }
  const signature = fromBase64Url(id.slice(at + ID_MARK.length))
  return signature === undefined ? { id } : { id: id.slice(0, at), signature }
}

function toBase64Url(s: string): string {
  // Gemini signatures are already base64; re-encode the text so any alphabet survives.
  return btoa(String.fromCharCode(...new TextEncoder().encode(s)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

function fromBase64Url(s: string): string | undefined {
  try {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4)
    const bin = atob(b64)
    const bytes = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}
