import { checkToolHistory } from '../hub/check-tool-history'
import { responseToEvents } from '../hub/response-events'
import type { HubStreamEvent } from '../hub/stream'
import { readJsonBody } from '../http/read-body'
import { PROTOCOLS } from '../protocols'
import type { Protocol } from '../protocols/types'
import { resolveModel } from '../routing/resolve-model'
import { parseSse } from '../sse/parse'
import { callUpstream } from '../upstream/call-upstream'
import { downstreamHeaders, upstreamHeaders } from '../upstream/headers'
import { guardBytes, guardHubEvents } from './guard-streams'
import { readUpstreamJson, upstreamError } from './upstream-body'
import type { Runtime } from './runtime'

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
}

/**
 * One generation request, whatever the protocols: decode the client's body to
 * the hub, pick the back end, and either pass the body through (same protocol:
 * nothing is lost) or translate it, then translate the answer back — event by
 * event when streaming.
 */
export async function generate(req: Request, front: Protocol, rt: Runtime): Promise<Response> {
  const started = Date.now()
  const url = new URL(req.url)
  const body = (await readJsonBody(req, rt.settings.maxBodyBytes)) as Record<string, unknown>
  const hub = front.decodeRequest(body)
  const route = resolveModel(hub.model, rt.settings)
  const back = PROTOCOLS[route.backend.protocol]
  const passThrough = back.id === front.id

  const warnings: string[] = []
  let upstreamBody: string
  if (passThrough) {
    upstreamBody = JSON.stringify(body.model === route.model ? body : { ...body, model: route.model })
  } else {
    checkToolHistory(hub)
    const encoded = back.encodeRequest(hub, {
      model: route.model,
      quirks: route.backend.quirks,
      warn: (m) => warnings.push(m),
    })
    upstreamBody = JSON.stringify(encoded)
  }

  const upstream = await callUpstream({
    url: route.backend.baseUrl + back.upstreamPath(route.model, hub.stream) + (passThrough ? forwardedQuery(url) : ''),
    headers: upstreamHeaders({
      backend: route.backend,
      client: req.headers,
      passThrough,
      anthropicVersion: rt.settings.anthropicVersion,
      clientSpeaksAnthropic: front.id === 'anthropic',
    }),
    body: upstreamBody,
    transport: rt.transport,
    timeoutMs: rt.settings.upstreamTimeoutMs,
    clientSignal: req.signal,
  })

  rt.log.info(
    `${req.method} ${url.pathname} ${front.id}→${route.backend.id}(${back.id}) model=${route.model} ` +
      `upstream=${upstream.status} ${hub.stream ? 'stream ' : ''}${Date.now() - started}ms`,
  )
  if (!upstream.ok) throw await upstreamError(upstream, back.decodeError)

  const headers = downstreamHeaders(upstream.headers, passThrough)
  if (warnings.length) headers.set('x-gateway-warnings', warnings.join('; '))
  const upstreamIsSse = (upstream.headers.get('content-type') ?? '').includes('text/event-stream')

  if (passThrough) {
    if (upstreamIsSse && upstream.body) {
      for (const [k, v] of Object.entries(SSE_HEADERS)) headers.set(k, v)
      return new Response(guardBytes(upstream.body, front.encodeStreamError), { status: upstream.status, headers })
    }
    headers.set('content-type', upstream.headers.get('content-type') ?? 'application/json')
    return new Response(upstream.body, { status: upstream.status, headers })
  }

  if (hub.stream) {
    let events: ReadableStream<HubStreamEvent>
    if (upstreamIsSse && upstream.body) events = parseSse(upstream.body).pipeThrough(back.decodeStream())
    else events = streamOfEvents(responseToEvents(back.decodeResponse(await readUpstreamJson(upstream))))
    for (const [k, v] of Object.entries(SSE_HEADERS)) headers.set(k, v)
    return new Response(guardHubEvents(events).pipeThrough(front.encodeStream(hub)), { headers })
  }

  const decoded = back.decodeResponse(await readUpstreamJson(upstream))
  headers.set('content-type', 'application/json')
  return new Response(JSON.stringify(front.encodeResponse(decoded, hub)), { headers })
}

/** The client's query string minus its key (`?beta=true` reaches Anthropic; `?key=` never does). */
export function forwardedQuery(url: URL): string {
  if (!url.search) return ''
  const params = new URLSearchParams(url.search)
  params.delete('key')
  const s = params.toString()
  return s ? `?${s}` : ''
}

function streamOfEvents(events: HubStreamEvent[]): ReadableStream<HubStreamEvent> {
  return new ReadableStream({
    start(controller) {
      for (const e of events) controller.enqueue(e)
      controller.close()
    },
  })
}

