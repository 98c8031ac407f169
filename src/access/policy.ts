import type { AccessMode } from '../config/access-settings'
import type { Backend, Settings } from '../config/settings'
import { GatewayError } from '../hub/errors'
import { MemoryAuthFailures } from '../state/auth-failures'
import type { AuthFailureState } from '../state/ports'
import type { Transport } from '../upstream/transport'
import { AuthGate } from './auth-gate'
import { HOP_HEADER, hopValue, newHopId } from './loop-guard'
import { UpstreamGuard, type ResolveHost } from './upstream-guard'

export interface AccessOptions {
  /** A deployed Worker (a request host that is not loopback): multi-user whatever ACCESS_MODE says. */
  deployed?: boolean
  /** Resolves names for the upstream check (Node, Deno); a Worker has none. */
  resolveHost?: ResolveHost
  /** Where invalid keys per address are counted (the state's; memory when it has none). */
  authFailures?: AuthFailureState
}

/**
 * What the access mode means for this runtime (see src/config/access-settings.ts): the mode in
 * force, the refusals multi-user mode adds, the loop guard's id and the invalid-key slowdown.
 */
export class AccessPolicy {
  readonly mode: AccessMode
  readonly multiUser: boolean
  /** This gateway's id in the loop guard's header. */
  readonly hopId = newHopId()
  /** Multi-user without client keys: every request is refused with this. */
  readonly unconfigured?: GatewayError
  /** Multi-user: the check on every URL the gateway calls. */
  readonly guard?: UpstreamGuard
  readonly gate: AuthGate
  /** Said at start and in /health: endpoints multi-user mode refuses to call. */
  readonly warnings: string[] = []

  constructor(settings: Settings, o: AccessOptions = {}) {
    this.mode = o.deployed ? 'multi-user' : settings.access.mode
    this.multiUser = this.mode === 'multi-user'
    this.gate = new AuthGate(o.authFailures ?? new MemoryAuthFailures(), settings.access.trustedProxies)
    if (!this.multiUser) return
    const why = o.deployed ? 'a deployed Worker is always multi-user' : 'ACCESS_MODE=multi-user'
    if (!settings.clientKeys.length)
      this.unconfigured = new GatewayError(
        'api_error',
        `This gateway refuses every request: ${why}, and multi-user mode needs client keys. Set PROXY_API_KEYS (or a clients: list in the config file).`,
        { status: 503, code: 'client_keys_required' },
      )
    this.guard = new UpstreamGuard(o.resolveHost)
    // Endpoints from the settings and the config file: one at a literal refused address or an internal
    // name is said now (the log at start, /health), and every call to it is refused (see transport).
    for (const b of settings.backends.values()) {
      if (b.source === 'catalogue' || b.auth === 'login') continue
      try {
        this.guard.checkLiteral(b.baseUrl, b.urlSetting ?? b.id)
      } catch (err) {
        const message = (err as Error).message
        // Back ends that share a setting (openai and its Responses twin) say it once.
        if (!this.warnings.includes(message)) this.warnings.push(message)
      }
    }
  }

  /** The transport every upstream call goes through: the loop guard's header, and in multi-user mode the address check. */
  transport(inner: Transport): Transport {
    const id = this.hopId
    const marked: Transport = (req) => {
      req.headers.set(HOP_HEADER, hopValue(req.headers.get(HOP_HEADER), id))
      return inner(req)
    }
    return this.guard ? this.guard.wrap(marked) : marked
  }

  /** Multi-user mode refuses the subscription back ends (a CLI's login is one person's): why, or undefined. */
  loginRefusal(backend: Pick<Backend, 'id' | 'auth'>): GatewayError | undefined {
    if (this.multiUser && backend.auth === 'login')
      return new GatewayError(
        'permission',
        `The "${backend.id}" back end signs in with a CLI login (one person's subscription): multi-user mode refuses CLI logins (ACCESS_MODE=multi-user). Use an API key back end, or run the gateway in single-user mode on your own machine.`,
      )
  }

  /** Multi-user mode: throws when `url` (a registry endpoint, say) points at a refused address. */
  async checkUrl(url: string, where: string): Promise<void> {
    await this.guard?.check(url, where)
  }
}
