import { GatewayError } from '../hub/errors'

/** The key a client sent, in whichever place its SDK puts it. */
export function clientKey(req: Request, url: URL): string | undefined {
  const auth = req.headers.get('authorization')
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth)
    if (m) return m[1]!.trim()
  }
  return req.headers.get('x-api-key') ?? req.headers.get('x-goog-api-key') ?? url.searchParams.get('key') ?? undefined
}

const encoder = new TextEncoder()

/** Compares in time that depends only on the length of `expected`, not on where the strings differ. */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = encoder.encode(given)
  const b = encoder.encode(expected)
  let diff = a.length ^ b.length
  for (let i = 0; i < b.length; i++) diff |= (a[i % Math.max(a.length, 1)] ?? 0) ^ b[i]!
  return diff === 0
}

/** Throws 401 unless the request carries one of `allowed` (no check when the list is empty). */
export function requireClientKey(req: Request, url: URL, allowed: string[]): void {
  if (allowed.length === 0) return
  const given = clientKey(req, url)
  if (!given) throw new GatewayError('authentication', 'Missing API key: send one of PROXY_API_KEYS.')
  let ok = false
  for (const key of allowed) ok = constantTimeEqual(given, key) || ok
  if (!ok) throw new GatewayError('authentication', 'Invalid API key.')
}
