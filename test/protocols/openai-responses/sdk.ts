import OpenAI from 'openai'
import type { HubRequest } from '../../../src/hub/request'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { encodeBytes } from './helpers'

/**
 * What the official openai SDK's `responses.stream()` accumulator makes of the
 * SSE encodeStream writes (the code most Responses clients run).
 */
export async function sdkFinalResponse(events: HubStreamEvent[], req: HubRequest) {
  const bytes = await encodeBytes(events, req)
  const client = new OpenAI({
    apiKey: 'x',
    baseURL: 'http://x',
    maxRetries: 0,
    fetch: async () => new Response(bytes, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
  })
  const stream = client.responses.stream({ model: req.model, input: 'x' })
  const seen: string[] = []
  stream.on('event', (e) => seen.push(e.type))
  const response = await stream.finalResponse()
  return { response, seen }
}
