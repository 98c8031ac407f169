import { GatewayError } from '../hub/errors'
import type { HubResponse } from '../hub/response'
import type { Protocol } from '../protocols/types'
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../http/json-depth'
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
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new GatewayError('bad_gateway', `The upstream answered with something other than JSON: ${text.slice(0, 200)}`)
  }
  if (nestsDeeperThan(value))
    throw new GatewayError('bad_gateway', `The upstream's answer nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays.`)
  return value
}

/**
 * An upstream's answer decoded to the hub; an answer the decoder chokes on
 * (a wrong type where an object belongs, say) is the upstream's fault: a 502.
 */
export function decodeUpstream(back: Pick<Protocol, 'decodeResponse'>, body: unknown): HubResponse {
  try {
    return back.decodeResponse(body)
  } catch (err) {
    if (err instanceof GatewayError) throw err
    throw new GatewayError('bad_gateway', 'The upstream answered with a response the gateway could not read.')
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
