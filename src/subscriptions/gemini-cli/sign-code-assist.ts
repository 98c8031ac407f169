import type { UpstreamCallShape } from '../types'

/**
 * A Code Assist call signed: the access token as a Bearer header, and the account's project as the
 * body's first field. The gemini-code-assist protocol leaves `project` out of the body it encodes
 * (it is the login's, not the request's); adding it in front of the encoded text is one string
 * concatenation, with no second parse of the body.
 */
export function signCodeAssist(token: string, project: string, call: UpstreamCallShape): UpstreamCallShape {
  call.headers.set('authorization', `Bearer ${token}`)
  const field = `"project":${JSON.stringify(project)}`
  const body = call.body.length > 2 ? `{${field},${call.body.slice(1)}` : `{${field}}`
  return { url: call.url, headers: call.headers, body }
}

/** google-auth-library refreshes a token this long before it expires (eagerRefreshThresholdMillis). */
export const EAGER_REFRESH_MS = 5 * 60 * 1000
