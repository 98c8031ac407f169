import { GatewayError } from '../hub/errors'
import { Redactor } from '../security/redactor'
import type { UpstreamResponse } from '../upstream/transport'

/**
 * An upstream's JSON answer; anything else is a 502 that says what came back
 * (its start, the gateway's secrets removed before it is cut short).
 */
export async function readUpstreamJson(res: UpstreamResponse, redactor: Redactor = Redactor.none): Promise<unknown> {
  let text: string
  try {
    text = await res.text()
  } catch {
    throw new GatewayError('bad_gateway', 'The upstream connection failed while sending the response.')
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new GatewayError('bad_gateway', `The upstream answered with something other than JSON: ${redactor.text(text).slice(0, 200)}`)
  }
}

/**
 * An upstream's error body as text, capped so a huge HTML page cannot flood the
 * client; the gateway's secrets are removed first, so the cut never leaves half of one.
 */
export async function readUpstreamError(res: UpstreamResponse, redactor: Redactor = Redactor.none): Promise<string> {
  try {
    return redactor.text(await res.text()).slice(0, 8192)
  } catch {
    return ''
  }
}

/** The upstream's error, decoded by its protocol, carrying its Retry-After; the gateway's secrets removed. */
export async function upstreamError(
  res: UpstreamResponse,
  decode: (status: number, body: string) => GatewayError,
  redactor: Redactor = Redactor.none,
): Promise<GatewayError> {
  const err = decode(res.status, await readUpstreamError(res, redactor))
  const retryAfter = res.headers.get('retry-after')
  if (retryAfter) err.retryAfter = redactor.text(retryAfter)
  return err
}
