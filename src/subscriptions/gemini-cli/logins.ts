import type { Backend } from '../../config/settings'
import { fetchTransport, type Transport } from '../../upstream/transport'
import { credentialSecrets } from '../credential-secrets'
import type { CredentialFiles, SubscriptionLogins, UpstreamCallShape } from '../types'
import { geminiCloudProject } from './cloud-project'
import { loginError } from './login-error'
import type { LoginContext, LoginKind } from './login-kind'
import { geminiOAuthPersonal } from './oauth-personal'
import { SingleFlight } from './single-flight'

/** The Gemini CLI's logins by catalogue id (the shared framework's per-vendor table takes these entries as they are). */
export const GEMINI_CLI_LOGIN_KINDS: Readonly<Record<string, LoginKind<any, any>>> = {
  'gemini-cli-oauth-personal': geminiOAuthPersonal,
  'gemini-cli-cloud-project': geminiCloudProject,
}

export interface GeminiCliLoginOptions {
  files: CredentialFiles
  /** HTTP for the token and set-up endpoints: the runtime's transport (the global fetch by default). */
  transport?: Transport
  /** Bounds each token and set-up request (30 s by default). */
  timeoutMs?: number
  /** Told every credential of a file as soon as it is read or refreshed (see LoginOptions.learn in ../create-logins.ts). */
  learn?: (source: string, secrets: Iterable<string>) => void
  now?: () => number
  /** `<PROVIDER>_TOKEN_URL` by catalogue id (`gemini-cli-oauth-personal` → a URL). */
  tokenUrls?: Readonly<Record<string, string | undefined>>
  /** GOOGLE_CLOUD_PROJECT (or GOOGLE_CLOUD_PROJECT_ID). */
  project?: string
  /** Onboarding polls: every `pollMs` (5000, as the CLI), at most `maxPolls` (60). */
  pollMs?: number
  maxPolls?: number
}

/** What is known of one credentials file of one back end. */
interface Held {
  creds?: unknown
  /** The upstream refused the token: the next sign re-reads the file and refreshes. */
  refused: boolean
  /** The Code Assist project: set up once per file and process. */
  setup?: Promise<unknown>
}

/**
 * SubscriptionLogins for the two Gemini CLI back ends. Each credentials file (a pool "key") is read
 * once and kept in memory; when its token is due (or the upstream refused it) the file is read again —
 * the CLI may have refreshed it meanwhile — and refreshed only if it is still due, once for all the
 * requests waiting on it; the new tokens are written back atomically in the CLI's own format.
 */
export function createGeminiCliLogins(o: GeminiCliLoginOptions): SubscriptionLogins {
  const held = new Map<string, Held>()
  const flights = new SingleFlight<unknown>()
  const transport = o.transport ?? fetchTransport
  const now = o.now ?? Date.now
  const learn = o.learn ?? (() => {})
  const contextFor = (backend: Backend, id: string): LoginContext => ({
    transport,
    timeoutMs: o.timeoutMs ?? 30_000,
    // What a refresh signs is a source of its own: the file's tokens are learnt apart from it.
    learn: (secrets) => learn(`${id}\nsigned`, secrets),
    now,
    tokenUrl: o.tokenUrls?.[backend.provider],
    project: o.project,
    pollMs: o.pollMs ?? 5000,
    maxPolls: o.maxPolls ?? 60,
  })

  const kindOf = (backend: Backend): LoginKind<unknown, unknown> => {
    const kind = GEMINI_CLI_LOGIN_KINDS[backend.provider]
    if (!kind) throw loginError(`The "${backend.id}" back end has no Gemini CLI login.`)
    return kind
  }

  /** Re-reads the file; refreshes and rewrites it when its token is still due (or is the one refused). */
  async function renew(kind: LoginKind<unknown, unknown>, h: Held, id: string, file: string, ctx: LoginContext): Promise<unknown> {
    const text = await o.files.read(file).catch(() => {
      throw loginError(`The credentials file ${file} could not be read: ${kind.relogin}.`)
    })
    if (text === undefined) throw loginError(`No credentials file at ${file}: ${kind.relogin}.`)
    const refusedToken = h.refused && h.creds !== undefined ? kind.token(h.creds) : undefined
    let creds = kind.read(text, file)
    // Known to the redactor as soon as they are read (a refresh that fails may still echo one), and again once refreshed.
    learn(id, credentialSecrets(creds))
    const usable = !kind.expired(creds, ctx.now()) && kind.token(creds) !== refusedToken
    if (!usable) {
      creds = await kind.refresh(creds, ctx, file)
      learn(id, credentialSecrets(creds))
      if (kind.write) await o.files.writeAtomic(file, kind.write(creds, text))
    }
    h.creds = creds
    h.refused = false
    return creds
  }

  return {
    async sign(backend: Backend, ref: string, call: UpstreamCallShape): Promise<UpstreamCallShape> {
      const kind = kindOf(backend)
      const id = `${backend.id}\n${ref}`
      const ctx = contextFor(backend, id)
      let h = held.get(id)
      if (!h) held.set(id, (h = { refused: false }))
      let creds = h.creds
      if (creds === undefined || h.refused || kind.expired(creds, ctx.now())) {
        const entry = h
        creds = await flights.run(id, () => renew(kind, entry, id, ref, ctx))
      }
      if (!h.setup && kind.setup) {
        const entry = h
        entry.setup = kind.setup(creds, backend, ctx, ref).catch((err) => {
          entry.setup = undefined // a failed set-up is tried again by the next request
          if ((err as { status?: number })?.status === 401) entry.refused = true // its token was refused: refresh first
          throw err
        })
      }
      return kind.sign(creds, call, h.setup ? await h.setup : undefined)
    },

    refused(backend: Backend, ref: string): void {
      const h = held.get(`${backend.id}\n${ref}`)
      if (h) h.refused = true
    },
  }
}
