import type { HubRequest } from '../hub/request'
import type { HubResponse } from '../hub/response'
import { responseToEvents } from '../hub/response-events'
import { newId } from '../hub/ids'
import type { RequestOutcome } from '../interceptors/run-request'
import type { Envelope } from '../protocols/envelope'
import type { Protocol } from '../protocols/types'
import type { GenerateOptions } from './generate'
import { SSE_HEADERS } from './answer'
import { encodeEvents } from './translate-stream'
import { headerValue } from '../http/header-value'

/**
 * The gateway's own answer (an in-chat command's reply): an ordinary assistant
 * message in the client's protocol and stream mode, as any upstream's would be,
 * with no upstream call. `x-gateway-route: gateway` says who answered.
 */
export function gatewayReply(front: Protocol, hub: HubRequest, o: RequestOutcome, envelope: Envelope, sessionId: string, options: GenerateOptions): Response {
  const res: HubResponse = {
    id: newId('gw_'),
    model: envelope.model || 'gateway',
    content: [{ type: 'text', text: o.reply ?? '' }],
    finishReason: 'stop',
    usage: { inputTokens: 0, outputTokens: 0 },
    created: Math.floor(Date.now() / 1000),
  }
  const headers: Record<string, string> = { 'x-b2bua-session-id': sessionId, 'x-gateway-route': 'gateway' }
  if (o.warnings.length) headers['x-gateway-warnings'] = headerValue(o.warnings.join('; '))
  if (!envelope.stream) {
    headers['content-type'] = 'application/json'
    return new Response(JSON.stringify(front.encodeResponse(res, hub)), { headers })
  }
  Object.assign(headers, SSE_HEADERS)
  if (options.reframedType) headers['content-type'] = options.reframedType
  const bytes = encodeEvents(responseToEvents(res), front.streamEncoder(hub))
  return new Response(options.reframe ? bytes.pipeThrough(options.reframe()) : bytes, { headers })
}
