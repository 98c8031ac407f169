import { objectAt, str, type CredentialsJson, type LoginKind } from './login-kind'

/**
 * `anthropic-oauth`: Claude Code's login (`claude`, then `/login` with a Claude Pro or Max account).
 *
 * Claude Code is not open source; anthropics/claude-code holds its docs (docs: "Identity and Access
 * Management" — credentials live in `~/.claude/.credentials.json` on Linux, or under CLAUDE_CONFIG_DIR).
 * The file is `{ claudeAiOauth: { accessToken, refreshToken, expiresAt (ms), scopes, subscriptionType } }`.
 * The refresh (the CLI's OAuth client, as used by every tool that reuses its login) is a JSON POST to
 * https://console.anthropic.com/v1/oauth/token with `{ grant_type: "refresh_token", refresh_token, client_id }`,
 * answered with `{ access_token, refresh_token, expires_in, scope }`.
 * Calls carry `Authorization: Bearer` and `anthropic-beta: oauth-2025-04-20` instead of `x-api-key`; the API
 * serves OAuth tokens only to requests whose system prompt begins with Claude Code's own first line
 * (anthropics/claude-code issues #5983, #6131: "OAuth authentication is currently not supported" otherwise).
 */
const CLIENT_ID = '9d1c250a-e61b-44d9-88ed-5944d1962f5e'
const OAUTH_BETA = 'oauth-2025-04-20'
export const CLAUDE_CODE_SYSTEM = "You are Claude Code, Anthropic's official CLI for Claude."

const oauthOf = (file: CredentialsJson) => objectAt(file, 'claudeAiOauth')

/** The system prompt with Claude Code's first line in front (once). */
function withClaudeCodeSystem(system: unknown): unknown {
  const first = { type: 'text', text: CLAUDE_CODE_SYSTEM }
  if (typeof system === 'string') return system.startsWith(CLAUDE_CODE_SYSTEM) ? system : [first, { type: 'text', text: system }]
  if (Array.isArray(system)) {
    const head = system[0] as { text?: unknown } | undefined
    return typeof head?.text === 'string' && head.text.startsWith(CLAUDE_CODE_SYSTEM) ? system : [first, ...system]
  }
  return [first]
}

export const anthropicOauthLogin: LoginKind = {
  relogin: '`claude` and its `/login` command (Claude Pro or Max account)',
  extraSettings: ['CLAUDE_CONFIG_DIR'],
  defaultFile: (vars) => `${(vars.CLAUDE_CONFIG_DIR || '~/.claude').replace(/\/+$/, '')}/.credentials.json`,
  tokenUrl: 'https://console.anthropic.com/v1/oauth/token',

  accessToken(file) {
    return str(oauthOf(file), 'accessToken') ?? { missing: 'it has no claudeAiOauth.accessToken' }
  },

  expiresAt(file) {
    const at = oauthOf(file)?.expiresAt
    return typeof at === 'number' ? at : undefined
  },

  refreshRequest(file) {
    const refresh = str(oauthOf(file), 'refreshToken')
    if (!refresh) return undefined
    return { contentType: 'application/json', body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: refresh, client_id: CLIENT_ID }) }
  },

  refreshed(file, answer, now) {
    const oauth: Record<string, unknown> = { ...oauthOf(file) }
    oauth.accessToken = str(answer, 'access_token')
    const refresh = str(answer, 'refresh_token')
    if (refresh) oauth.refreshToken = refresh
    if (typeof answer.expires_in === 'number') oauth.expiresAt = now + answer.expires_in * 1000
    const scope = str(answer, 'scope')
    if (scope) oauth.scopes = scope.split(' ').filter(Boolean)
    return { ...file, claudeAiOauth: oauth }
  },

  sign(_file, token, call) {
    const headers = call.headers
    headers.delete('x-api-key')
    headers.set('authorization', `Bearer ${token}`)
    const betas = (headers.get('anthropic-beta') ?? '').split(',').map((b) => b.trim()).filter(Boolean)
    if (!betas.includes(OAUTH_BETA)) betas.unshift(OAUTH_BETA)
    headers.set('anthropic-beta', betas.join(','))
    const body = JSON.parse(call.body) as Record<string, unknown>
    body.system = withClaudeCodeSystem(body.system)
    return { url: call.url, headers, body: JSON.stringify(body) }
  },
}
