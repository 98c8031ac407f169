import { GatewayError } from '../hub/errors'
import type { AuthFailureState } from '../state/ports'

/**
 * The slowdown on invalid client keys (src/state/auth-failures.ts has the rules). Only failures
 * touch the state: a request with a valid key costs one lookup in this isolate's memory, and
 * only when that memory knows of failures at all. An address this isolate saw refused stays
 * refused here until its wait is over; one it never saw fails at most once more before the
 * state says so (and the answer is then a 429, not a 401).
 */
export class AuthGate {
  /** Addresses with failures this isolate saw: until when each is refused (0: not refused). */
  private readonly known = new Map<string, number>()

  constructor(
    private readonly state: AuthFailureState,
    readonly trustedProxies: readonly string[],
  ) {}

  /** This isolate saw failures: a valid key's address is looked up (`passed`). */
  get watching(): boolean {
    return this.known.size > 0
  }

  /** A valid key from `from`: refused while its wait runs, else its count is forgotten. */
  async passed(from: string | undefined): Promise<void> {
    const until = from === undefined ? undefined : this.known.get(from)
    if (until === undefined) return
    const now = Date.now()
    // A valid key does not lift a wait that is still running.
    if (until > now) throw slowDown(until, now)
    this.known.delete(from!)
    await this.state.succeed(from!).catch(() => {})
  }

  /** Paths that check a key of their own (the admin key): an address under a wait is refused first. */
  screen(address: () => string | undefined): void {
    if (!this.known.size) return
    const from = address()
    const until = from === undefined ? undefined : this.known.get(from)
    const now = Date.now()
    if (until !== undefined && until > now) throw slowDown(until, now)
  }

  /** Counts an invalid key from `from`; throws the 429 when that puts (or keeps) it under a wait. */
  async failed(from: string | undefined): Promise<void> {
    if (from === undefined) return
    let until: number
    try {
      until = await this.state.fail(from)
    } catch {
      return // the state is unreachable: the 401 goes as it is
    }
    if (this.known.size >= 10_000) this.known.clear()
    this.known.set(from, until)
    const now = Date.now()
    if (until > now) throw slowDown(until, now)
  }
}

function slowDown(until: number, now: number): GatewayError {
  const seconds = Math.max(1, Math.ceil((until - now) / 1000))
  const err = new GatewayError('rate_limit', `Too many invalid API keys from this address: try again in ${seconds} s.`, { code: 'too_many_invalid_keys' })
  err.retryAfter = String(seconds)
  return err
}

/**
 * The address a request comes from. Workers: `cf-connecting-ip` (Cloudflare sets it). Node and
 * Deno: the socket's peer, as the adapter hands it over; only when that peer is one of
 * TRUSTED_PROXIES is `x-forwarded-for` read (its right-most address that is not a trusted proxy).
 */
export function clientAddress(headers: Headers, socket: string | undefined, worker: boolean, trusted: readonly string[]): string | undefined {
  if (worker) return headers.get('cf-connecting-ip')?.trim() || undefined
  if (socket === undefined || !trusted.length || !trusted.includes(socket)) return socket
  const forwarded = headers.get('x-forwarded-for')
  if (!forwarded) return socket
  const hops = forwarded.split(',').map((h) => h.trim()).filter(Boolean)
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted.includes(hops[i]!)) return hops[i]
  return hops[0] ?? socket
}
