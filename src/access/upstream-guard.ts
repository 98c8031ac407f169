import { GatewayError } from '../hub/errors'
import type { Transport } from '../upstream/transport'
import { classifyLiteral, internalName, type AddressClass } from './addresses'

/**
 * Looks a host name up: every address it resolves to (Node: dns.promises.lookup with all: true;
 * Deno: Deno.resolveDns A and AAAA). Workers cannot resolve names: they have none, and check
 * literal addresses and well-known internal names only (Cloudflare's network does not route to
 * private addresses).
 */
export type ResolveHost = (host: string) => Promise<string[]>

/** How long a name's verdict is kept before it is looked up again. */
const VERDICT_TTL_MS = 60_000

/** Why `host` (a URL's hostname) is refused without looking it up, or undefined. */
export function refusedWithoutLookup(host: string): AddressClass | undefined {
  const literal = classifyLiteral(host)
  return literal.literal ? literal.refused : internalName(host)
}

export const refusal = (where: string, host: string, why: string) =>
  new GatewayError(
    'permission',
    `${where} points at ${host}, a ${why} address: ACCESS_MODE=multi-user refuses loopback, private, link-local and cloud-metadata addresses.`,
  )

/**
 * The multi-user gateway's check on every URL it would call: registry, config-file and env
 * endpoints, and every upstream call as it goes (a name is resolved first, and its verdict kept
 * for a minute; a redirect is never followed: the transports answer it as it is).
 */
export class UpstreamGuard {
  private verdicts = new Map<string, { until: number; refused?: string }>()

  constructor(private readonly resolve?: ResolveHost) {}

  /** The check without a lookup (settings at load, Workers): a literal address or an internal name. Throws a GatewayError. */
  checkLiteral(url: string, where: string): void {
    const host = hostOf(url, where)
    const why = refusedWithoutLookup(host)
    if (why) throw refusal(where, host, why)
  }

  /** The whole check: the literal, then (where a resolver exists) every address the name resolves to. */
  async check(url: string, where: string): Promise<void> {
    const host = hostOf(url, where)
    const now = Date.now()
    const known = this.verdicts.get(host)
    if (known && known.until > now) {
      if (known.refused) throw refusal(where, host, known.refused)
      return
    }
    let refused: string | undefined = refusedWithoutLookup(host)
    if (!refused && this.resolve && !classifyLiteral(host).literal) {
      let addresses: string[]
      try {
        addresses = await this.resolve(host)
      } catch {
        addresses = []
      }
      // A name that does not resolve is left to the call, which fails on its own.
      for (const a of addresses) {
        const why = classifyLiteral(a).refused
        if (why) {
          refused = `${why} (it resolves to ${a})`
          break
        }
      }
    }
    if (this.verdicts.size > 1000) this.verdicts.clear()
    this.verdicts.set(host, { until: now + VERDICT_TTL_MS, refused })
    if (refused) throw refusal(where, host, refused)
  }

  /** A transport that checks each call's host before it goes. */
  wrap(inner: Transport): Transport {
    return async (req) => {
      await this.check(req.url, 'The upstream URL')
      return inner(req)
    }
  }
}

function hostOf(url: string, where: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new GatewayError('invalid_request', `${where} is not a URL.`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new GatewayError('invalid_request', `${where} must be an http(s) URL.`)
  return parsed.hostname
}
