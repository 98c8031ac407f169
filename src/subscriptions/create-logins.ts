import type { Backend, Settings } from '../config/settings'
import type { LoginBackendSettings } from '../config/login-settings'
import { GatewayError } from '../hub/errors'
import type { Transport } from '../upstream/transport'
import { LOGIN_KINDS } from './kinds'
import { credentialSecrets } from './credential-secrets'
import { EXPIRY_MARGIN_MS, type CredentialsJson, type LoginKind } from './login-kind'
import type { CredentialFiles, SubscriptionLogins, UpstreamCallShape } from './types'

/** A credentials file as last read or refreshed. */
interface Held {
  file: CredentialsJson
  token: string
  expiresAt?: number
  /** The upstream refused this token (a 401): the next call reads the file again and refreshes. */
  refused?: boolean
}

export interface LoginOptions {
  /** Told when a refreshed file could not be written back (the new token is still used). No secrets in it. */
  warn?: (message: string) => void
  /** The clock (tests). */
  now?: () => number
  /** Bounds a refresh request. */
  timeoutMs?: number
  /**
   * Told every credential of a credentials file (`source`: one back end's file) as soon as it is read
   * or refreshed, before its token signs anything: the runtime's redactor then removes them from
   * whatever leaves the gateway (src/security/secrets.ts LearnedSecrets).
   */
  learn?: (source: string, secrets: Iterable<string>) => void
}

/** The file's name without its folders: messages never show where a user keeps their credentials. */
export const fileName = (path: string) => path.slice(path.replace(/\\/g, '/').lastIndexOf('/') + 1)

/**
 * The subscription back ends' logins over the adapter's credentials files (Node and Deno). Each file is
 * read once and kept in memory while its token is good; an expired (or refused) token is refreshed once
 * however many requests wait for it, and the file is rewritten atomically in the CLI's own format.
 */
export function createLogins(files: CredentialFiles, transport: Transport, settings: Settings, options: LoginOptions = {}): SubscriptionLogins {
  return new Logins(files, transport, settings, options)
}

class Logins implements SubscriptionLogins {
  private readonly held = new Map<string, Held>()
  private readonly pending = new Map<string, Promise<Held>>()
  private readonly now: () => number

  constructor(
    private readonly files: CredentialFiles,
    private readonly transport: Transport,
    private readonly settings: Settings,
    private readonly options: LoginOptions,
  ) {
    this.now = options.now ?? Date.now
  }

  async sign(backend: Backend, ref: string, call: UpstreamCallShape): Promise<UpstreamCallShape> {
    const kind = LOGIN_KINDS[backend.provider]
    const s = this.settings.logins.get(backend.provider)
    if (!kind || !s) throw new GatewayError('api_error', `The "${backend.id}" back end has no CLI login the gateway knows.`)
    const key = `${backend.provider}\n${ref}`
    let held = this.held.get(key)
    if (!held || !this.fresh(held)) {
      // One read (and refresh) per file at a time: everyone else waits for it.
      let pending = this.pending.get(key)
      if (!pending) {
        pending = this.load(kind, s, backend, ref, key).finally(() => this.pending.delete(key))
        this.pending.set(key, pending)
      }
      held = await pending
    }
    return kind.sign(held.file, held.token, call, { backend, baseUrlSet: s.baseUrlSet })
  }

  refused(backend: Backend, ref: string): void {
    const held = this.held.get(`${backend.provider}\n${ref}`)
    if (held) held.refused = true
  }

  private fresh(h: Held): boolean {
    return !h.refused && (h.expiresAt === undefined || h.expiresAt - EXPIRY_MARGIN_MS > this.now())
  }

  private async load(kind: LoginKind, s: LoginBackendSettings, backend: Backend, ref: string, key: string): Promise<Held> {
    const name = fileName(ref)
    const relogin = (why: string) =>
      new GatewayError('upstream_auth', `The "${backend.id}" back end cannot use its credentials file ${name}: ${why}. Log in again with ${kind.relogin}.`, { status: 401 })
    let text: string | undefined
    try {
      text = await this.files.read(ref)
    } catch {
      throw relogin('it could not be read')
    }
    if (text === undefined) throw relogin('it does not exist')
    let file: CredentialsJson
    try {
      file = JSON.parse(text)
    } catch {
      throw relogin('it is not JSON')
    }
    if (typeof file !== 'object' || file === null || Array.isArray(file)) throw relogin('it is not a JSON object')
    const token = kind.accessToken(file)
    // Known to the redactor before anything else happens to them (a refresh that fails may still echo one).
    this.options.learn?.(key, credentialSecrets(file))
    if (typeof token !== 'string') throw relogin(token.missing)

    // A token the upstream refused stays refused, even when the file says it is good (unless the CLI has since replaced it).
    const before = this.held.get(key)
    const refusedBefore = before?.refused === true && before.token === token
    const expiresAt = kind.expiresAt(file)
    if (!refusedBefore && (expiresAt === undefined || expiresAt - EXPIRY_MARGIN_MS > this.now())) return this.keep(key, { file, token, expiresAt })

    const request = kind.refreshRequest(file)
    if (!request) throw relogin(refusedBefore ? 'its access token was refused and it holds no refresh token' : 'its access token has expired and it holds no refresh token')
    const answer = await this.refresh(s.tokenUrl, request, backend, name, relogin)
    const next = kind.refreshed(file, answer, this.now())
    const nextToken = kind.accessToken(next)
    if (typeof nextToken !== 'string') throw new GatewayError('bad_gateway', `The "${backend.id}" token endpoint answered a refresh without an access token.`)
    try {
      await this.files.writeAtomic(ref, `${JSON.stringify(next, null, 2)}\n`)
    } catch (err) {
      this.options.warn?.(`${backend.id}: the refreshed login could not be written back to ${name} (${(err as { code?: string })?.code ?? 'write failed'}); it is used from memory`)
    }
    return this.keep(key, { file: next, token: nextToken, expiresAt: kind.expiresAt(next) })
  }

  private keep(key: string, held: Held): Held {
    this.options.learn?.(key, [held.token, ...credentialSecrets(held.file)])
    this.held.set(key, held)
    return held
  }

  /** POSTs the refresh; a refusal says to log in again, anything else is the token endpoint's failure. */
  private async refresh(
    url: string,
    request: { contentType: string; body: string },
    backend: Backend,
    name: string,
    relogin: (why: string) => GatewayError,
  ): Promise<Record<string, unknown>> {
    const unreachable = () => new GatewayError('bad_gateway', `The "${backend.id}" token endpoint could not be reached to refresh the login in ${name}.`)
    let res
    try {
      res = await this.transport({
        url,
        method: 'POST',
        headers: new Headers({ 'content-type': request.contentType, accept: 'application/json' }),
        body: request.body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      })
    } catch {
      throw unreachable()
    }
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      await res.text().catch(() => '')
      throw relogin(`its refresh token was refused (HTTP ${res.status})`)
    }
    let answer: unknown
    try {
      answer = res.ok ? await res.json() : (await res.text(), undefined)
    } catch {
      answer = undefined
    }
    if (!res.ok) throw new GatewayError('bad_gateway', `The "${backend.id}" token endpoint answered HTTP ${res.status} to a refresh of ${name}.`)
    if (typeof answer !== 'object' || answer === null) throw new GatewayError('bad_gateway', `The "${backend.id}" token endpoint answered a refresh with something that is not JSON.`)
    return answer as Record<string, unknown>
  }
}
