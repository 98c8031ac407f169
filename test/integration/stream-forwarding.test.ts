import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type NodeGateway } from '../../adapters/node'

/**
 * Streams stay streams, end to end on the Node adapter: each upstream event
 * reaches the client before the upstream sends the next one. The upstream here
 * holds its second event back until the test says so, which it does only once
 * the client has seen the first: a gateway that buffered would never deliver it.
 */
let upstream: Server
let upstreamUrl = ''
let gateway: NodeGateway
/** The open upstream answers, waiting to be told to finish. */
const waiting: ServerResponse[] = []

const chunk = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(chunk({ role: 'assistant', content: 'first' }))
      waiting.push(res)
    })
  })
  await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  gateway = await startGateway({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${upstreamUrl}/v1`, LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0' }, '127.0.0.1', 0)
})

afterAll(async () => {
  await gateway.close()
  upstream.closeAllConnections()
  await new Promise((done) => upstream.close(done))
})

/** Reads the client's stream until `marker` has arrived; returns what was read so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, marker: string): Promise<string> {
  const dec = new TextDecoder()
  let text = ''
  while (!text.includes(marker)) {
    const r = await reader.read()
    if (r.done) throw new Error(`stream ended before ${marker}: ${text}`)
    text += dec.decode(r.value, { stream: true })
  }
  return text
}

const finishUpstream = () => {
  const res = waiting.shift()!
  res.write(chunk({ content: ' second' }))
  res.write(chunk({}, 'stop'))
  res.end('data: [DONE]\n\n')
}

describe('each upstream event reaches the client before the next one is sent', () => {
  it('passing through (OpenAI client, OpenAI upstream)', async () => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    })
    const reader = res.body!.getReader()
    expect(await readUntil(reader, 'first')).not.toContain('second')
    finishUpstream()
    expect(await readUntil(reader, '[DONE]')).toContain('second')
  })

  it('translating (Anthropic client, OpenAI upstream)', async () => {
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'openai:gpt-4o', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    })
    const reader = res.body!.getReader()
    const early = await readUntil(reader, '"text":"first"')
    expect(early).toContain('content_block_delta')
    expect(early).not.toContain('second')
    finishUpstream()
    expect(await readUntil(reader, 'message_stop')).toContain('second')
  })
})
