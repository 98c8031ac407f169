import { constantTimeEqual } from '../http/client-auth'

/**
 * The admin page's login cookie. It never holds ADMIN_API_KEY: it holds `v1.<expires>.<signature>`, the
 * signature an HMAC-SHA-256 (Web Crypto) of `v1.<expires>` under a key derived from ADMIN_API_KEY. So it
 * is checked without any stored state (any Worker isolate, any process with the same key accepts it),
 * it stops working at its expiry, and changing ADMIN_API_KEY ends every login at once.
 */
export const ADMIN_COOKIE = 'gateway_admin'
/** How long a login lasts. */
export const ADMIN_COOKIE_TTL_S = 12 * 60 * 60

const encoder = new TextEncoder()
/** Separates this use of the admin key from any other HMAC made with it. */
const CONTEXT = 'llm-gateway admin-page session v1\u0000'

/** One imported HMAC key per admin key (there is one admin key per runtime). */
let cached: { admin: string; key: Promise<CryptoKey> } | undefined
function hmacKey(admin: string): Promise<CryptoKey> {
  if (cached?.admin !== admin)
    cached = { admin, key: crypto.subtle.importKey('raw', encoder.encode(CONTEXT + admin), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']) }
  return cached.key
}

function base64url(bytes: ArrayBuffer): string {
  let s = ''
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

async function signature(admin: string, payload: string): Promise<string> {
  return base64url(await crypto.subtle.sign('HMAC', await hmacKey(admin), encoder.encode(payload)))
}

/** A new token, good until `now + ttlS`. */
export async function issueAdminToken(admin: string, now = Date.now(), ttlS = ADMIN_COOKIE_TTL_S): Promise<string> {
  const payload = `v1.${Math.floor(now / 1000) + ttlS}`
  return `${payload}.${await signature(admin, payload)}`
}

/** Whether `token` was issued under this admin key and has not expired. */
export async function verifyAdminToken(admin: string, token: string, now = Date.now()): Promise<boolean> {
  const m = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token)
  if (!m) return false
  const expected = await signature(admin, `v1.${m[1]}`)
  // The signature is compared in constant time first; the expiry only after (it is not secret).
  return constantTimeEqual(m[2]!, expected) && Number(m[1]) * 1000 > now
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim()
  }
  return undefined
}

/**
 * Whether the request carries a valid admin-page login cookie (false when ADMIN_API_KEY is unset).
 * Exported for the other admin-only routes (`/metrics`) that accept a logged-in browser too.
 */
export async function hasAdminCookie(req: Request, adminKey: string | undefined): Promise<boolean> {
  if (!adminKey) return false
  const token = cookieValue(req.headers.get('cookie'), ADMIN_COOKIE)
  return token !== undefined && verifyAdminToken(adminKey, token)
}

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/

/** The Set-Cookie header for a login (`token`) or a logout (undefined): HttpOnly, SameSite=Strict, Path=/admin, Secure unless on loopback. */
export function adminCookieHeader(url: URL, token: string | undefined, ttlS = ADMIN_COOKIE_TTL_S): string {
  const parts = [`${ADMIN_COOKIE}=${token ?? ''}`, 'Path=/admin', 'HttpOnly', 'SameSite=Strict', `Max-Age=${token ? ttlS : 0}`]
  if (!LOOPBACK_HOST.test(url.hostname)) parts.push('Secure')
  return parts.join('; ')
}
