import { estimateTokens } from '../hub/estimate-tokens'
import type { HubRequest } from '../hub/request'
import { readJsonBody } from '../http/read-body'
import type { ProtocolId } from '../protocols/types'
import { routeRequest } from '../routing/resolve-model'
import { callUpstream } from '../upstream/call-upstream'
import { downstreamHeaders, upstreamHeaders } from '../upstream/headers'
import { withClientQuery } from '../upstream/url-parts'
import type { Runtime } from './runtime'
import { upstreamError } from './upstream-body'
import { shownUrl } from './whose-fault'
import { PROTOCOLS } from '../protocols'

export interface CountTokensFront {
  protocol: ProtocolId
  /** The client's body → hub (to route it and to estimate). */
  decode(body: Record<string, unknown>): HubRequest
  /** The upstream path that counts for a back end of the same protocol. */
  upstreamPath(model: string): string
  /** The body to send that upstream. */
  upstreamBody(body: Record<string, unknown>, model: string): unknown
  /** The answer for an estimate. */
  estimate(tokens: number): unknown
}

/**
 * Token counting (Anthropic count_tokens, Gemini countTokens). A back end that
 * speaks the client's protocol counts for real; for any other back end, and for
 * a subscription back end (a CLI's login), the gateway estimates and says so in
 * `x-gateway-estimate` — a model is never sent to a provider that does not serve it.
 */
export async function countTokens(req: Request, rt: Runtime, front: CountTokensFront): Promise<Response> {
  const body = (await readJsonBody(req, rt.settings.maxBodyBytes)) as Record<string, unknown>
  const hub = front.decode(body)
  const route = await routeRequest(hub.model, rt)

  // A subscription back end's "key" is its credentials file, which only a login's signing turns into a token:
  // its counts are estimated (as those of another protocol are), never sent with the file's name as a key.
  if (route.backend.protocol !== front.protocol || route.backend.auth === 'login')
    return Response.json(front.estimate(estimateTokens(hub)), { headers: { 'x-gateway-estimate': 'true' } })

  const upstreamUrl = route.backend.baseUrl + withClientQuery(front.upstreamPath(route.model), new URL(req.url))
  if (rt.log.debugging) rt.log.debug(`upstream: POST ${shownUrl(upstreamUrl)} (count tokens)`)
  const upstream = await callUpstream({
    url: upstreamUrl,
    headers: upstreamHeaders({
      backend: route.backend,
      key: route.backend.keys[0],
      client: req.headers,
      passThrough: true,
      anthropicVersion: rt.settings.anthropicVersion,
      clientSpeaksAnthropic: front.protocol === 'anthropic',
    }),
    body: JSON.stringify(front.upstreamBody(body, route.model)),
    transport: rt.transport,
    timeoutMs: rt.settings.upstreamTimeoutMs,
    clientSignal: req.signal,
  })
  const redactor = rt.redactor
  if (!upstream.ok)
    throw await upstreamError(upstream, PROTOCOLS[front.protocol].decodeError, { backend: route.backend, method: 'POST', url: upstreamUrl }, redactor)
  const headers = downstreamHeaders(upstream.headers, true, redactor)
  headers['content-type'] = 'application/json'
  return new Response(redactor.bytes(new Uint8Array(await upstream.arrayBuffer())), { status: upstream.status, headers })
}
