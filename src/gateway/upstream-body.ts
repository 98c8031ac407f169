import { GatewayError } from '../hub/errors'
import type { UpstreamResponse } from '../upstream/transport'
import { explainUpstreamError, type UpstreamCallContext } from './whose-fault'

/** An upstream's JSON answer; anything else is a 502 that says what came back. */
export async function readUpstreamJson(res: UpstreamResponse): Promise<unknown> {
  let text: string
  try {
    text = await res.text()
  } catch {
    throw new GatewayError('bad_gateway', 'The upstream connection failed while sending the response.')
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new GatewayError('bad_gateway', `The upstream answered with something other than JSON: ${text.slice(0, 200)}`)
  }
}

/** An upstream's error body as text, capped so a huge HTML page cannot flood the client. */
export async function readUpstreamError(res: UpstreamResponse): Promise<string> {
  try {
    return (await res.text()).slice(0, 8192)
  } catch {
    return ''
  }
}

/**
 * The upstream's error, decoded by its protocol, carrying its Retry-After. With the
 * call's context, an upstream that refuses the gateway's own key and a 404 are told
 * as what they are (see whose-fault.ts).
 */
export async function upstreamError(
  res: UpstreamResponse,
  decode: (status: number, body: string) => GatewayError,
  call?: UpstreamCallContext,
): Promise<GatewayError> {
  let err = decode(res.status, await readUpstreamError(res))
  if (call) err = explainUpstreamError(err, res.status, call)
  const retryAfter = res.headers.get('retry-after')
  if (retryAfter) err.retryAfter = retryAfter
  return err
}
