import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type NodeGateway } from '../../adapters/node'
import { readCaptures } from '../../src/capture/read-captures'
import { replayHandler, replayPlan } from '../../src/capture/replay-server'
import type { ReplayServer } from '../../src/capture/cli'
import { serveOnNode } from '../../scripts/capture'
import { captureFile, STREAMED, streamedExchange } from '../capture/capture-fixtures'

/**
 * The point of `replay`: a captured upstream answer served by the replay server, with the gateway (the Node
 * adapter) pointed at it as its OpenAI upstream, reproduces what the client got, offline.
 */
let replay: ReplayServer
let gateway: NodeGateway

beforeAll(async () => {
  const [exchange] = readCaptures([{ name: 'capture.cbor', bytes: captureFile(streamedExchange()) }]).exchanges
  replay = await serveOnNode(replayHandler(replayPlan(exchange!), { speed: 0 }), 0, false)
  gateway = await startGateway({ OPENAI_API_KEY: 'sk-replay', OPENAI_BASE_URL: `${replay.url}/v1`, LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0' }, '127.0.0.1', 0)
})

afterAll(async () => {
  await gateway.close()
  await replay.close()
})

describe(`the gateway against a replay of ${STREAMED}`, () => {
  it('answers a streaming Anthropic client with the replayed OpenAI stream, translated', async () => {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'unused', maxRetries: 0 })
    const message = await client.messages.stream({ model: 'openai:gpt-4o', max_tokens: 1024, messages: [{ role: 'user', content: 'Say hello' }] }).finalMessage()
    expect(message.content.map((b) => (b.type === 'text' ? b.text : `<${b.type}>`)).join('')).toBe('Hello from the replay')
    expect(message.stop_reason).toBe('end_turn')
    expect(message.usage.output_tokens).toBe(9)
  })

  it('serves the same replay again to a raw streaming request, event by event', async () => {
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'openai:gpt-4o', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.status).toBe(200)
    const body = await res.text()
    expect(body).toContain('"text":"Hello"')
    expect(body).toContain('"text":" from the replay"')
    expect(body).toContain('event: message_stop')
  })
})
