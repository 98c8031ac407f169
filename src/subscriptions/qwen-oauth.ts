import { form, rebase, str, type LoginKind } from './login-kind'

/**
 * `qwen-oauth`: Qwen Code's login (`qwen`, then "Qwen OAuth" with a qwen.ai account).
 *
 * From QwenLM/qwen-code:
 * - packages/core/src/qwen/qwenOAuth2.ts: `~/.qwen/oauth_creds.json` holds `{ access_token, refresh_token,
 *   token_type, expiry_date (ms), resource_url }`; a refresh is a form POST to
 *   https://chat.qwen.ai/api/v1/oauth2/token with `grant_type=refresh_token`, `refresh_token` and the CLI's
 *   `client_id`, answered with `{ access_token, token_type, expires_in, refresh_token?, resource_url? }`
 *   (a 400 or 401 means the refresh token is gone: log in again).
 * - packages/core/src/qwen/qwenContentGenerator.ts (`getCurrentEndpoint`): the OpenAI-compatible base URL is
 *   `resource_url` with `https://` added when it has no scheme and `/v1` when it does not end so; without one,
 *   DashScope's https://dashscope.aliyuncs.com/compatible-mode/v1.
 */
const CLIENT_ID = 'f0304373b74a44d2b584a3fb70ca9e56'

/** Qwen Code's getCurrentEndpoint. */
export function qwenEndpoint(resourceUrl: string): string {
  const url = /^https?:\/\//i.test(resourceUrl) ? resourceUrl : `https://${resourceUrl}`
  return url.endsWith('/v1') ? url : `${url.replace(/\/+$/, '')}/v1`
}

export const qwenOauthLogin: LoginKind = {
  relogin: '`qwen` (choose Qwen OAuth, or `/auth` inside it)',
  defaultFile: () => '~/.qwen/oauth_creds.json',
  tokenUrl: 'https://chat.qwen.ai/api/v1/oauth2/token',

  accessToken: (file) => str(file, 'access_token') ?? { missing: 'it has no access_token' },

  expiresAt(file) {
    return typeof file.expiry_date === 'number' ? file.expiry_date : undefined
  },

  refreshRequest(file) {
    const refresh = str(file, 'refresh_token')
    if (!refresh) return undefined
    return { contentType: 'application/x-www-form-urlencoded', body: form({ grant_type: 'refresh_token', refresh_token: refresh, client_id: CLIENT_ID }) }
  },

  refreshed(file, answer, now) {
    const next: Record<string, unknown> = { ...file, access_token: str(answer, 'access_token') }
    for (const field of ['token_type', 'refresh_token', 'resource_url']) {
      const value = str(answer, field)
      if (value) next[field] = value
    }
    if (typeof answer.expires_in === 'number') next.expiry_date = now + answer.expires_in * 1000
    return next
  },

  sign(file, token, call, ctx) {
    call.headers.set('authorization', `Bearer ${token}`)
    const resource = str(file, 'resource_url')
    const url = resource && !ctx.baseUrlSet ? rebase(call.url, ctx.backend.baseUrl, qwenEndpoint(resource)) : call.url
    return { url, headers: call.headers, body: call.body }
  },
}
