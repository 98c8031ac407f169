import type { Backend } from '../../config/settings'
import type { Transport } from '../../upstream/transport'
import type { UpstreamCallShape } from '../types'

/**
 * One vendor's login, as data and small functions: how its CLI's credentials file reads, when its
 * access token is due, how it is refreshed and written back, and how a call is signed with it.
 * `createGeminiCliLogins` (./logins.ts) runs these for the two Gemini CLI back ends; the shape is
 * meant to sit in the shared subscriptions framework's per-vendor table as it is:
 *
 * - `read(text)`: the file's text → credentials (throws a LoginError when it is not the CLI's format);
 * - `expired(c, now)`: the access token must be refreshed before it is used;
 * - `refresh(c, ctx)`: a new access token from the vendor's token endpoint (a LoginError when refused);
 * - `write(c, before)`: the file's new text after a refresh, in the CLI's own format, every field the
 *   refresh did not change kept (absent: the file is never rewritten, e.g. a service-account key);
 * - `setup(c, backend, ctx)`: what the account needs once per credentials file and process before its
 *   first call (the Code Assist project), kept in memory;
 * - `sign(c, call, setup)`: the call with the token (and the set-up's result) in it.
 */
export interface LoginKind<C, S = undefined> {
  /** What to run to log in again, for error messages (`gemini`, the Gemini CLI). */
  relogin: string
  /** The CLI's own file when no `<PROVIDER>_CREDENTIALS_FILE` is set (`~` is the home directory). */
  defaultFile(env: Readonly<Record<string, string | undefined>>): string
  read(text: string, file: string): C
  /** The current access token, if any (to tell a token the upstream refused from a new one). */
  token(c: C): string | undefined
  expired(c: C, now: number): boolean
  refresh(c: C, ctx: LoginContext, file: string): Promise<C>
  write?(c: C, before: string): string
  setup?(c: C, backend: Backend, ctx: LoginContext, file: string): Promise<S>
  sign(c: C, call: UpstreamCallShape, setup: S): UpstreamCallShape
}

/** What a login needs from outside: settings of its back end, HTTP, a clock. */
export interface LoginContext {
  /** The runtime's transport, as every upstream call uses it (the loop guard's header, the adapter's HTTP client). */
  transport: Transport
  /** Bounds each token and set-up request. */
  timeoutMs: number
  /** Tells the redactor a credential the login made for this file (a service account's signed JWT). */
  learn(secrets: Iterable<string>): void
  now(): number
  /** `<PROVIDER>_TOKEN_URL`: the token endpoint instead of the vendor's. */
  tokenUrl?: string
  /** GOOGLE_CLOUD_PROJECT (or GOOGLE_CLOUD_PROJECT_ID), as the Gemini CLI reads it. */
  project?: string
  /** Time between polls of a long-running set-up operation (onboarding); the CLI waits 5 s. */
  pollMs: number
  /** Polls before giving up on onboarding. */
  maxPolls: number
}
