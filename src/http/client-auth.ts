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
  return constantTimeEqualBytes(encoder.encode(given), encoder.encode(expected))
}

/** The same over bytes already encoded (keys held for the runtime's life are encoded once). */
export function constantTimeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < b.length; i++) diff |= (a[i % Math.max(a.length, 1)] ?? 0) ^ b[i]!
  return diff === 0
}

export const utf8Bytes = (s: string) => encoder.encode(s)
