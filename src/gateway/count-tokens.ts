import { estimateTokens } from '../hub/estimate-tokens'
import { readJsonBody } from '../http/read-body'
import { anthropic } from '../protocols/anthropic'
import { resolveModel } from '../routing/resolve-model'
import { callUpstream } from '../upstream/call-upstream'
import { downstreamHeaders, upstreamHeaders } from '../upstream/headers'
import { forwardedQuery } from './generate'
import type { Runtime } from './runtime'
import { upstreamError } from './upstream-body'

/**
 * Anthropic's count_tokens. An Anthropic back end counts for real; for any other
 * back end the gateway estimates (and says so in `x-gateway-estimate`), so a
 * non-Anthropic model is never sent to Anthropic.
 */
export async function countTokens(req: Request, rt: Runtime): Promise<Response> {
  const body = (await readJsonBody(req, rt.settings.maxBodyBytes)) as Record<string, unknown>
  const hub = anthropic.decodeRequest(body)
  const route = resolveModel(hub.model, rt.settings)

  if (route.backend.protocol !== 'anthropic') {
    return Response.json({ input_tokens: estimateTokens(hub) }, { headers: { 'x-gateway-estimate': 'true' } })
  }

  const upstream = await callUpstream({
    url: route.backend.baseUrl + '/v1/messages/count_tokens' + forwardedQuery(new URL(req.url)),
    headers: upstreamHeaders({
      backend: route.backend,
      client: req.headers,
      passThrough: true,
      anthropicVersion: rt.settings.anthropicVersion,
      clientSpeaksAnthropic: true,
    }),
    body: JSON.stringify({ ...body, model: route.model }),
    transport: rt.transport,
    timeoutMs: rt.settings.upstreamTimeoutMs,
    clientSignal: req.signal,
  })
  if (!upstream.ok) throw await upstreamError(upstream, anthropic.decodeError)
  const headers = downstreamHeaders(upstream.headers, true)
  headers.set('content-type', 'application/json')
  return new Response(upstream.body, { status: upstream.status, headers })
}
