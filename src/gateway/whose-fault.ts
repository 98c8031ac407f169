import { BASE_URL_FORM } from '../config/base-url'
import type { Backend } from '../config/settings'
import { GatewayError } from '../hub/errors'

export interface UpstreamCallContext {
  backend: Backend
  method: string
  /** The URL called; only its origin and path are ever shown. */
  url: string
}

/** Origin and path: no query string (a client's `?key=` or anything else), no user:password. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url)
    return u.origin + u.pathname
  } catch {
    return '(invalid URL)'
  }
}

/** The setting that holds a back end's URL, for messages. */
export function urlSettingOf(b: Backend): string {
  if (b.urlSetting) return b.urlSetting
  if (b.source === 'registry') return `the registry entry "${b.id}"'s url`
  if (b.source === 'discovery') return `the discovered "${b.id}" endpoint`
  return `${b.id.toUpperCase().replace(/-/g, '_')}_BASE_URL`
}

/**
 * Says whose fault an upstream error is, where the plain upstream status would mislead:
 *
 * - The upstream refused the gateway's own key (401/403, or Gemini's API_KEY_INVALID):
 *   the client's key was fine, so a 401 would send a coding agent's user to log in
 *   again. It becomes a 502 `upstream_auth` error naming the setting to fix (the
 *   response also carries `x-should-retry: false`, which the OpenAI and Anthropic SDKs honour).
 * - A 404: the URL the gateway called (origin and path only) and the form the base URL
 *   should take, as a wrong base URL is the usual cause.
 */
export function explainUpstreamError(err: GatewayError, status: number, call: UpstreamCallContext): GatewayError {
  const b = call.backend
  if (status === 401 || status === 403 || err.kind === 'authentication') {
    // Claude Code reads "x-api-key" in a message as "your key is wrong, log in again": not the case here.
    const said = err.message.replace(/x-api-key/gi, 'API key header')
    const message = b.keys.length
      ? `The upstream "${b.id}" refused the gateway's key ${b.keySetting} (HTTP ${status}: ${said}). ` +
        `Your key for the gateway was accepted: the gateway's ${b.keySetting} needs fixing.`
      : `The upstream "${b.id}" wants a key (HTTP ${status}: ${said}) and the gateway has none for it: set ${b.keySetting}.`
    return new GatewayError('upstream_auth', message, { upstream: true })
  }
  if (status === 404) {
    const form = b.pathTemplate ? 'Azure base URLs are the resource endpoint, no path (https://NAME.openai.azure.com)' : BASE_URL_FORM[b.protocol]
    return new GatewayError(
      'not_found',
      `${err.message} — the gateway called ${call.method} ${shownUrl(call.url)}; if that path is wrong, check ${urlSettingOf(b)}: ${form}.`,
      { status: err.status, param: err.param, upstream: true },
    )
  }
  return err
}
