import { ResponseAccumulator } from '../hub/accumulate'
import { GatewayError } from '../hub/errors'
import type { HubRequest } from '../hub/request'
import type { HubStreamEvent } from '../hub/stream'
import type { Protocol } from '../protocols/types'
import { sseFramer } from '../sse/parse'
import { chain } from '../streams/stage'
import { readUpstreamBytes } from './upstream-body'
import type { UpstreamResponse } from '../upstream/transport'

const utf8 = new TextEncoder()

/**
 * The finished answer of an upstream that answers only as a stream (quirk `streamsOnly`), for a client that
 * did not ask for one: the whole stream read, decoded and put together, then written as the back end's own
 * JSON answer, so everything after the attempt treats it as if the upstream had answered in one piece.
 * A stream that ends in an error, or without its end, is that error (a 502), never a half answer.
 */
export async function assembleStream(
  upstream: UpstreamResponse,
  back: Protocol,
  req: HubRequest,
  idleMs: number,
): Promise<{ json: unknown; bytes: Uint8Array<ArrayBuffer> }> {
  const bytes = await readUpstreamBytes(upstream, idleMs)
  const acc = new ResponseAccumulator()
  let failure: GatewayError | undefined
  const sink = {
    enqueue(e: HubStreamEvent) {
      if (e.type === 'error') failure ??= e.error
      acc.add(e)
    },
  }
  const decode = chain(sseFramer(), back.streamDecoder())
  try {
    decode.start?.(sink)
    decode.transform(bytes, sink)
    decode.flush?.(sink)
  } catch (err) {
    if (err instanceof GatewayError) throw err
    throw new GatewayError('bad_gateway', 'The upstream sent a stream the gateway could not read.')
  }
  if (failure) throw failure
  const res = acc.result()
  if (!res) throw new GatewayError('bad_gateway', 'The upstream ended its stream before the answer was finished.')
  const json = back.encodeResponse(res, { ...req, stream: false })
  return { json, bytes: utf8.encode(JSON.stringify(json)) as Uint8Array<ArrayBuffer> }
}
