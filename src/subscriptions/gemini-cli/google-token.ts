import type { GatewayError } from '../../hub/errors'
import { endpointError, loginError } from './login-error'
import type { LoginContext } from './login-kind'
import type { UpstreamResponse } from '../../upstream/transport'

/** Google's OAuth 2.0 token endpoint (the Gemini CLI's google-auth-library uses it). */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token'

/** What a token endpoint answers (RFC 6749 §5.1; Google adds `id_token`). */
export interface TokenAnswer {
  access_token: string
  expires_in?: number
  token_type?: string
  scope?: string
  id_token?: string
  refresh_token?: string
}

/**
 * One form-encoded POST to a token endpoint. A 400 or 401 is the grant refused (`invalid_grant`,
 * `invalid_client`…): a login error whose message says `relogin`; anything else that fails is the
 * endpoint's fault. Neither message carries a token or the endpoint's whole answer.
 */
export async function requestToken(ctx: LoginContext, url: string, form: Record<string, string>, relogin: string): Promise<TokenAnswer> {
  let res: UpstreamResponse
  try {
    res = await ctx.transport({
      url,
      method: 'POST',
      headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }),
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(ctx.timeoutMs),
    })
  } catch (err) {
    throw endpointError(`The token endpoint ${host(url)} could not be reached (${(err as Error)?.message ?? 'network error'}).`)
  }
  const text = await res.text().catch(() => '')
  let body: Record<string, unknown> = {}
  try {
    const parsed = JSON.parse(text)
    if (parsed && typeof parsed === 'object') body = parsed
  } catch {}
  if (res.status === 400 || res.status === 401) {
    const code = typeof body.error === 'string' && /^[\w.-]{1,64}$/.test(body.error) ? ` (${body.error})` : ''
    throw refused(`The token endpoint ${host(url)} refused to refresh the login${code}: ${relogin}.`)
  }
  if (!res.ok) throw endpointError(`The token endpoint ${host(url)} answered ${res.status}.`)
  if (typeof body.access_token !== 'string' || body.access_token === '') throw endpointError(`The token endpoint ${host(url)} answered without an access token.`)
  return body as unknown as TokenAnswer
}

const refused = (message: string): GatewayError => loginError(message)

function host(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return 'at the configured URL'
  }
}
