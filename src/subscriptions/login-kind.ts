import type { Backend } from '../config/settings'
import type { UpstreamCallShape } from './types'

/** A credentials file as the CLI wrote it: a JSON object whose unknown fields are kept as they are. */
export type CredentialsJson = Record<string, unknown>

/** What a login kind sees of its settings (src/config/login-settings.ts). */
export interface LoginContext {
  backend: Backend
  /** `<PROVIDER>_BASE_URL` was set: it wins over a base URL the credentials name (Qwen's `resource_url`). */
  baseUrlSet: boolean
}

/** A token refresh as the vendor's CLI sends it. */
export interface RefreshRequest {
  contentType: 'application/json' | 'application/x-www-form-urlencoded'
  body: string
}

/**
 * One vendor CLI's login: how to read its credentials file, when its access token has expired, how to
 * refresh it, how to write the file back in the CLI's own format, and how to sign a call with it.
 * One small file per vendor (src/subscriptions/<provider>.ts), registered in ./kinds.ts.
 */
export interface LoginKind {
  /** The CLI and how to log in with it again, for messages: "`codex login` (Sign in with ChatGPT)". */
  relogin: string
  /** The file the CLI writes, when `<PROVIDER>_CREDENTIALS_FILE` is unset; `vars` holds `extraSettings`' values. */
  defaultFile(vars: Readonly<Record<string, string | undefined>>): string
  /** Settings besides the usual `<PROVIDER>_*` ones that this kind reads (`CODEX_HOME`). */
  extraSettings?: readonly string[]
  /** Where refreshes go; `<PROVIDER>_TOKEN_URL` overrides it. */
  tokenUrl: string
  /** The access token in the file, or why there is none (a message without secrets). */
  accessToken(file: CredentialsJson): string | { missing: string }
  /** When the access token expires (ms since the epoch), when the file or the token says. */
  expiresAt(file: CredentialsJson): number | undefined
  /** The refresh request for this file; undefined when it has no refresh token. */
  refreshRequest(file: CredentialsJson): RefreshRequest | undefined
  /** The file after a successful refresh answer (`answer` is its JSON), fields the kind does not know kept. */
  refreshed(file: CredentialsJson, answer: Record<string, unknown>, now: number): CredentialsJson
  /** The call signed with the file's access token (headers, base URL, body changes the endpoint needs). */
  sign(file: CredentialsJson, token: string, call: UpstreamCallShape, ctx: LoginContext): UpstreamCallShape
}

/** An access token is renewed this long before it expires. */
export const EXPIRY_MARGIN_MS = 60_000

/** `obj[key]` when it is a non-empty string. */
export function str(obj: unknown, key: string): string | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined
  const v = (obj as Record<string, unknown>)[key]
  return typeof v === 'string' && v ? v : undefined
}

/** `obj[key]` when it is an object. */
export function objectAt(obj: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined
  const v = (obj as Record<string, unknown>)[key]
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

/** A JWT's claims, unverified (the gateway only reads its expiry and account); undefined when it is no JWT. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1]
  if (!part || token.split('.').length !== 3) return undefined
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/')
    const json = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0))))
    return typeof json === 'object' && json !== null ? json : undefined
  } catch {
    return undefined
  }
}

/** The call's URL with the back end's base URL swapped for another (Qwen's `resource_url`). */
export function rebase(url: string, from: string, to: string): string {
  return url.startsWith(from) ? to.replace(/\/+$/, '') + url.slice(from.length) : url
}

/** A form body (`application/x-www-form-urlencoded`). */
export const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString()
