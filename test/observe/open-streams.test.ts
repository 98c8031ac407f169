import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { parseProm, valueOf } from './prom-text'

/** The open-streams gauge goes down when the client leaves mid-stream (passed through and translated), and the exchange is counted. */
describe('a client that leaves mid-stream', () => {
  for (const model of ['openai:gpt-test', 'anthropic:claude-test'])
    it(`${model}: open while it streams, back to 0 with end="client_gone" once the client cancels`, async () => {
      const encoder = new TextEncoder()
      const first = model.startsWith('openai')
        ? 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}\n\n'
        : 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":3,"output_tokens":0}}}\n\nevent: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\nevent: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}\n\n'
      // An upstream that sends one chunk, then nothing (until cancelled).
      const transport = async () =>
        new Response(new ReadableStream({ start: (c) => c.enqueue(encoder.encode(first)) }), { headers: { 'content-type': 'text/event-stream' } })
      const app = createApp({
        env: { OPENAI_API_KEY: 'sk-open-streams-1', ANTHROPIC_API_KEY: 'sk-ant-open-streams-1', METRICS_PUBLIC: 'on', LLM_PROXY_LOCAL_DISCOVERY: '0', LOG_LEVEL: 'silent' },
        transport,
      })
      const scrape = async () => parseProm(await (await app.fetch(new Request('http://127.0.0.1/metrics'))).text())
      const res = await app.fetch(
        new Request('http://127.0.0.1/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        }),
      )
      expect(res.status).toBe(200)
      const reader = res.body!.getReader()
      expect(new TextDecoder().decode((await reader.read()).value)).toContain('Hel')
      expect(valueOf(await scrape(), 'llm_gateway_open_streams')).toBe(1)
      await reader.cancel()
      const p = await scrape()
      expect(valueOf(p, 'llm_gateway_open_streams')).toBe(0)
      expect(valueOf(p, 'llm_gateway_streams_total', { end: 'client_gone' })).toBe(1)
      // The exchange is finished then, once, as 499 (the client closed it), with the usage reported so far.
      expect(valueOf(p, 'llm_gateway_requests_total')).toBe(1)
      expect(valueOf(p, 'llm_gateway_requests_total', { status: '499', front_end: 'openai-chat' })).toBe(1)
      expect(valueOf(p, 'llm_gateway_input_tokens_total')).toBe(model.startsWith('anthropic') ? 3 : 0)
      await reader.cancel()
      expect(valueOf(await scrape(), 'llm_gateway_requests_total')).toBe(1)
    })
})
