import { jwtClaims, objectAt, str, type CredentialsJson, type LoginKind } from './login-kind'

/**
 * `openai-codex`: the ChatGPT login of OpenAI's Codex CLI (`codex login`, "Sign in with ChatGPT").
 *
 * From openai/codex:
 * - codex-rs/core/src/auth/storage.rs: `$CODEX_HOME/auth.json` (default `~/.codex`) holds
 *   `{ OPENAI_API_KEY, tokens: { id_token, access_token, refresh_token, account_id }, last_refresh }`.
 * - codex-rs/core/src/auth.rs (`try_refresh_token`, `update_tokens`): a refresh is a JSON POST to
 *   https://auth.openai.com/oauth/token with `{ client_id, grant_type: "refresh_token", refresh_token,
 *   scope: "openid profile email" }`; the answer's id_token, access_token and refresh_token replace the old
 *   ones and `last_refresh` is set to now. Codex refreshes after TOKEN_REFRESH_INTERVAL (8 days); the access
 *   token is a JWT whose `exp` says the same more exactly, so that is read first.
 * - The Responses calls go to https://chatgpt.com/backend-api/codex/responses with the `chatgpt-account-id`
 *   header, `originator: codex_cli_rs` and `OpenAI-Beta: responses=experimental`; that endpoint answers
 *   only as a stream, keeps nothing (`store: false`) and requires `instructions`.
 */
const CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann'
const REFRESH_INTERVAL_MS = 8 * 24 * 3600_000
const AUTH_CLAIM = 'https://api.openai.com/auth'
/** Sent when the client gave no system prompt: the endpoint refuses a request without instructions. */
const DEFAULT_INSTRUCTIONS = 'You are a helpful assistant.'
/** Body fields Codex itself never sends, which the ChatGPT endpoint refuses. */
const REFUSED_FIELDS = ['max_output_tokens', 'max_tokens', 'temperature', 'top_p', 'user', 'metadata', 'truncation', 'previous_response_id']

const tokensOf = (file: CredentialsJson) => objectAt(file, 'tokens')

/** The ChatGPT account id: auth.json's `tokens.account_id`, else the id token's (or access token's) claim. */
function accountId(file: CredentialsJson, token: string): string | undefined {
  const tokens = tokensOf(file)
  const given = str(tokens, 'account_id')
  if (given) return given
  for (const jwt of [str(tokens, 'id_token'), token]) {
    const claim = jwt ? objectAt(jwtClaims(jwt), AUTH_CLAIM) : undefined
    const id = str(claim, 'chatgpt_account_id')
    if (id) return id
  }
  return undefined
}

export const openaiCodexLogin: LoginKind = {
  relogin: '`codex login` (Sign in with ChatGPT)',
  extraSettings: ['CODEX_HOME'],
  defaultFile: (vars) => `${(vars.CODEX_HOME || '~/.codex').replace(/\/+$/, '')}/auth.json`,
  tokenUrl: 'https://auth.openai.com/oauth/token',

  accessToken(file) {
    const token = str(tokensOf(file), 'access_token')
    if (token) return token
    if (str(file, 'OPENAI_API_KEY')) return { missing: 'it holds an API key (`codex login --api-key`), not a ChatGPT login' }
    return { missing: 'it has no tokens.access_token' }
  },

  expiresAt(file) {
    const token = str(tokensOf(file), 'access_token')
    const exp = token ? jwtClaims(token)?.exp : undefined
    if (typeof exp === 'number') return exp * 1000
    const last = str(file, 'last_refresh')
    const at = last ? Date.parse(last) : NaN
    return Number.isNaN(at) ? undefined : at + REFRESH_INTERVAL_MS
  },

  refreshRequest(file) {
    const refresh = str(tokensOf(file), 'refresh_token')
    if (!refresh) return undefined
    return {
      contentType: 'application/json',
      body: JSON.stringify({ client_id: CLIENT_ID, grant_type: 'refresh_token', refresh_token: refresh, scope: 'openid profile email' }),
    }
  },

  refreshed(file, answer, now) {
    const tokens = { ...tokensOf(file) }
    for (const field of ['id_token', 'access_token', 'refresh_token']) {
      const value = str(answer, field)
      if (value) tokens[field] = value
    }
    return { ...file, tokens, last_refresh: new Date(now).toISOString() }
  },

  sign(file, token, call) {
    const headers = call.headers
    headers.set('authorization', `Bearer ${token}`)
    const account = accountId(file, token)
    if (account) headers.set('chatgpt-account-id', account)
    headers.set('originator', 'codex_cli_rs')
    headers.set('openai-beta', 'responses=experimental')
    headers.set('accept', 'text/event-stream')
    const body = JSON.parse(call.body) as Record<string, unknown>
    for (const field of REFUSED_FIELDS) delete body[field]
    body.store = false
    body.stream = true
    if (typeof body.instructions !== 'string' || !body.instructions) body.instructions = DEFAULT_INSTRUCTIONS
    return { url: call.url, headers, body: JSON.stringify(body) }
  },
}
