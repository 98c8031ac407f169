/**
 * A service account's access token, the way google-auth-library's JWT client gets one: a JWT
 * signed with RS256 by the key in the service-account JSON, exchanged at its `token_uri` with the
 * `urn:ietf:params:oauth:grant-type:jwt-bearer` grant (RFC 7523). Signed here with Web Crypto, so
 * the same code runs on Node and Deno.
 */

/** The scope the Gemini CLI asks for (code_assist/oauth2.ts OAUTH_SCOPE): Cloud Platform. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

const encoder = new TextEncoder()

function base64url(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const jsonPart = (v: object) => base64url(encoder.encode(JSON.stringify(v)))

/** A PEM `PRIVATE KEY` (PKCS #8, as service-account files hold it) → a signing key. */
export async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '')
  const raw = atob(b64)
  const der = new Uint8Array(raw.length)
  for (let i = 0; i < raw.length; i++) der[i] = raw.charCodeAt(i)
  return crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])
}

export interface JwtClaims {
  iss: string
  scope: string
  aud: string
  iat: number
  exp: number
}

/** `header.claims.signature`, RS256, valid for an hour from `nowMs`. */
export async function signServiceAccountJwt(
  key: CryptoKey,
  o: { email: string; keyId?: string; audience: string; nowMs: number; scope?: string },
): Promise<string> {
  const iat = Math.floor(o.nowMs / 1000)
  const header = { alg: 'RS256', typ: 'JWT', ...(o.keyId ? { kid: o.keyId } : {}) }
  const claims: JwtClaims = { iss: o.email, scope: o.scope ?? CLOUD_PLATFORM_SCOPE, aud: o.audience, iat, exp: iat + 3600 }
  const input = `${jsonPart(header)}.${jsonPart(claims)}`
  const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, encoder.encode(input)))
  return `${input}.${base64url(signature)}`
}
