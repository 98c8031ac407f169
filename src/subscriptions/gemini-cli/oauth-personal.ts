import type { Backend } from '../../config/settings'
import { setupCodeAssist } from './code-assist-setup'
import { GOOGLE_TOKEN_URL, requestToken } from './google-token'
import { loginError } from './login-error'
import type { LoginContext, LoginKind } from './login-kind'
import { EAGER_REFRESH_MS, signCodeAssist } from './sign-code-assist'

/**
 * `gemini-cli-oauth-personal`: the Gemini CLI's "Login with Google". The CLI keeps the tokens in
 * `~/.gemini/oauth_creds.json` (code_assist/oauth2.ts cacheCredentials: google-auth-library's
 * Credentials as `JSON.stringify(credentials, null, 2)`, mode 0600 — `access_token`, `refresh_token`,
 * `expiry_date` in ms, `token_type`, `id_token`, `scope`), and refreshes them at Google's token
 * endpoint with its own installed-app OAuth client (oauth2.ts OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET,
 * public by design: "the client secret is obviously not treated as a secret").
 */

export const GEMINI_CLI_OAUTH_CLIENT_ID = '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com'
export const GEMINI_CLI_OAUTH_CLIENT_SECRET = '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'

const RELOGIN = 'log in again with `gemini` (the Gemini CLI: run it and choose "Login with Google")'

export interface OAuthCreds {
  /** The file's fields as they are: a refresh rewrites only the ones it changes. */
  json: Record<string, unknown>
  accessToken?: string
  refreshToken?: string
  /** ms since the epoch; absent: valid until the upstream refuses it. */
  expiryDate?: number
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)

export const geminiOAuthPersonal: LoginKind<OAuthCreds, string> = {
  relogin: RELOGIN,
  defaultFile: () => '~/.gemini/oauth_creds.json',

  read(text, file) {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw loginError(`${file} is not JSON: ${RELOGIN}.`)
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw loginError(`${file} is not the Gemini CLI's oauth_creds.json: ${RELOGIN}.`)
    const o = json as Record<string, unknown>
    const creds: OAuthCreds = { json: o, accessToken: str(o.access_token), refreshToken: str(o.refresh_token) }
    if (typeof o.expiry_date === 'number') creds.expiryDate = o.expiry_date
    if (!creds.accessToken && !creds.refreshToken) throw loginError(`${file} holds no token: ${RELOGIN}.`)
    return creds
  },

  token: (c) => c.accessToken,

  expired: (c, now) => !c.accessToken || (c.expiryDate !== undefined && c.expiryDate - EAGER_REFRESH_MS <= now),

  async refresh(c, ctx, file) {
    if (!c.refreshToken) throw loginError(`${file} has no refresh token: ${RELOGIN}.`)
    const t = await requestToken(
      ctx,
      ctx.tokenUrl ?? GOOGLE_TOKEN_URL,
      { grant_type: 'refresh_token', refresh_token: c.refreshToken, client_id: GEMINI_CLI_OAUTH_CLIENT_ID, client_secret: GEMINI_CLI_OAUTH_CLIENT_SECRET },
      RELOGIN,
    )
    // As google-auth-library stores a refresh: expires_in becomes expiry_date; the refresh token stays unless a new one came.
    const json: Record<string, unknown> = { ...c.json, access_token: t.access_token }
    if (typeof t.expires_in === 'number') json.expiry_date = ctx.now() + t.expires_in * 1000
    for (const k of ['token_type', 'scope', 'id_token', 'refresh_token'] as const) if (typeof t[k] === 'string' && t[k]) json[k] = t[k]
    return { json, accessToken: t.access_token, refreshToken: str(json.refresh_token), expiryDate: typeof json.expiry_date === 'number' ? json.expiry_date : undefined }
  },

  write: (c) => JSON.stringify(c.json, null, 2),

  setup: (c: OAuthCreds, backend: Backend, ctx: LoginContext) => setupCodeAssist({ baseUrl: backend.baseUrl, token: c.accessToken!, relogin: RELOGIN }, ctx),

  sign: (c, call, project) => signCodeAssist(c.accessToken!, project, call),
}
