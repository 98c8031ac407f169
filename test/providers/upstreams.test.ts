/**
 * Provider entries end to end: SDK client → gateway → a fake upstream on
 * loopback, checking what the upstream received (URL shape, auth and identity
 * headers, the quirks the host needs).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { alphanumeric9Id } from '../../src/protocols/openai-chat/quirks'
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../integration/fake-upstream'
import { CLIENT_KEY, setup } from '../integration/gateway-suite'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())

const target = () => ({ upstreamUrl: upstream.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) })

let counter = 0
/** A fake-upstream prefix of our own, so a provider's base URL can point at it. */
function prefix() {
  const id = `prov-${Date.now().toString(36)}-${(counter++).toString(36)}`
  return { base: (suffix = '') => upstream.baseFor(id, suffix), requests: () => upstream.requests(id) }
}

const PARAMS = { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] }
const TOOLS = [{ name: 'get_weather', description: 'Current weather for a city', input_schema: PARAMS }]
const MISTRAL_ID = /^[A-Za-z0-9]{9}$/

/** An Anthropic-SDK tool round trip; `keep` decides what of the first answer the client sends back. */
async function anthropicToolRoundTrip(
  client: Anthropic,
  model: string,
  stream: boolean,
  keep: (content: Anthropic.ContentBlock[]) => Anthropic.ContentBlockParam[] = (c) => c as Anthropic.ContentBlockParam[],
) {
  const first = { model, max_tokens: 256, tools: TOOLS, messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }] as Anthropic.MessageParam[] }
  const m1 = stream ? await client.messages.stream(first).finalMessage() : await client.messages.create(first)
  expect(m1.stop_reason).toBe('tool_use')
  const use = m1.content.find((c): c is Anthropic.ToolUseBlock => c.type === 'tool_use')!
  const second = {
    ...first,
    messages: [
      ...first.messages,
      { role: 'assistant' as const, content: keep(m1.content) },
      { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: use.id, content: '18C and sunny' }] },
    ],
  }
  const m2 = stream ? await client.messages.stream(second).finalMessage() : await client.messages.create(second)
  return { first: m1, answer: (m2.content.find((c) => c.type === 'text') as Anthropic.TextBlock | undefined)?.text }
}

const toolMessages = (req: RecordedRequest) => {
  const msgs: any[] = req.body.messages
  const assistant = msgs.find((m) => m.role === 'assistant')
  const tools = msgs.filter((m) => m.role === 'tool')
  return { assistant, tools }
}

describe('mistral', () => {
  for (const stream of [false, true]) {
    it(`Anthropic client tool round trip (${stream ? 'streaming' : 'non-streaming'}): 9-character ids that pair up, no stream_options`, async () => {
      const up = prefix()
      const t = await setup(target(), { MISTRAL_API_KEY: 'sk-mistral', MISTRAL_BASE_URL: up.base('/v1') })
      try {
        const { first, answer } = await anthropicToolRoundTrip(t.anthropic, 'mistral:mistral-test', stream)
        expect(answer).toBe('Tool said: 18C and sunny')
        // The client sees the upstream's id; only what goes to Mistral is rewritten.
        expect(first.content.find((c) => c.type === 'tool_use')).toMatchObject({ id: 'call_fake0', input: { city: 'Paris' } })

        const reqs = up.requests()
        expect(reqs).toHaveLength(2)
        expect(reqs[0]!.path).toBe('/v1/chat/completions')
        expect(reqs[0]!.headers.authorization).toBe('Bearer sk-mistral')
        const { assistant, tools } = toolMessages(reqs[1]!)
        const id = assistant.tool_calls[0].id
        expect(id).toMatch(MISTRAL_ID)
        expect(id).toBe(alphanumeric9Id('call_fake0'))
        expect(tools).toHaveLength(1)
        expect(tools[0].tool_call_id).toBe(id)
        for (const r of reqs) {
          expect(r.body).not.toHaveProperty('stream_options')
          expect(r.body.stream ?? false).toBe(stream)
        }
      } finally {
        await t.gw.close()
      }
    })
  }

  it('seed travels as random_seed', async () => {
    const up = prefix()
    const t = await setup(target(), { MISTRAL_API_KEY: 'sk-mistral', MISTRAL_BASE_URL: up.base('/v1') })
    try {
      // A Gemini client, so the request is translated and has a seed to carry.
      const r = await t.gemini.models.generateContent({ model: 'mistral:mistral-test', contents: 'Say hello', config: { seed: 42 } })
      expect(r.text).toBe('Hello from openai!')
      const [req] = up.requests()
      expect(req!.body).toMatchObject({ model: 'mistral-test', random_seed: 42 })
      expect(req!.body).not.toHaveProperty('seed')
    } finally {
      await t.gw.close()
    }
  })
})

/**
 * DeepSeek in thinking mode, scripted: every answer carries reasoning_content;
 * with tools offered and no tool result yet it calls the first tool.
 */
async function startFakeDeepSeek() {
  const requests: any[] = []
  const server: Server = createServer((req, res) => {
    let raw = ''
    req.on('data', (c) => (raw += c))
    req.on('end', () => {
      const body = JSON.parse(raw)
      requests.push({ path: req.url, headers: req.headers, body })
      const last = body.messages.at(-1)
      const call = body.tools?.length && last.role !== 'tool'
      const reasoning = call ? 'The user wants the weather; I will call the tool.' : 'The tool answered; summarise.'
      const text = call ? '' : `Tool said: ${last.content}`
      const toolCall = { id: 'call_00_k3f9Qm2Z', type: 'function', function: { name: body.tools?.[0]?.function.name, arguments: '{"city":"Paris"}' } }
      const usage = { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 }
      const finish = call ? 'tool_calls' : 'stop'
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({
          id: 'ds-1', object: 'chat.completion', created: 1, model: body.model,
          choices: [{ index: 0, finish_reason: finish, message: { role: 'assistant', reasoning_content: reasoning, content: text, ...(call ? { tool_calls: [toolCall] } : {}) } }],
          usage,
        }))
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const chunk = (delta: object, finish_reason: string | null = null, extra: object = {}) =>
        res.write(`data: ${JSON.stringify({ id: 'ds-1', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason }], ...extra })}\n\n`)
      chunk({ role: 'assistant', content: null, reasoning_content: '' })
      for (const piece of reasoning.match(/.{1,12}/g)!) chunk({ reasoning_content: piece })
      if (call) chunk({ tool_calls: [{ index: 0, ...toolCall }] })
      else chunk({ content: text })
      chunk({}, finish, { usage })
      res.end('data: [DONE]\n\n')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) }
}

describe('deepseek', () => {
  let ds: Awaited<ReturnType<typeof startFakeDeepSeek>>
  beforeAll(async () => {
    ds = await startFakeDeepSeek()
  })
  afterAll(() => ds.close())

  for (const stream of [false, true]) {
    it(`reasoning_content goes back on the tool-call turn (${stream ? 'streaming' : 'non-streaming'})`, async () => {
      const t = await setup(target(), { DEEPSEEK_API_KEY: 'sk-ds', DEEPSEEK_BASE_URL: ds.url })
      const before = ds.requests.length
      try {
        const { first, answer } = await anthropicToolRoundTrip(t.anthropic, 'deepseek:deepseek-v4-pro', stream)
        expect(answer).toBe('Tool said: 18C and sunny')
        expect(first.content[0]).toMatchObject({ type: 'thinking', thinking: 'The user wants the weather; I will call the tool.' })

        const reqs = ds.requests.slice(before)
        expect(reqs).toHaveLength(2)
        expect(reqs[0].path).toBe('/chat/completions')
        expect(reqs[0].headers.authorization).toBe('Bearer sk-ds')
        const { assistant, tools } = toolMessages({ body: reqs[1].body } as RecordedRequest)
        expect(assistant).toMatchObject({
          role: 'assistant',
          reasoning_content: 'The user wants the weather; I will call the tool.',
          tool_calls: [{ id: 'call_00_k3f9Qm2Z', function: { name: 'get_weather' } }],
        })
        expect(tools[0].tool_call_id).toBe('call_00_k3f9Qm2Z')
        expect(reqs[1].body.messages.filter((m: any) => m.role !== 'assistant').some((m: any) => 'reasoning_content' in m)).toBe(false)
      } finally {
        await t.gw.close()
      }
    })
  }

  it('a client that dropped the thinking block still sends reasoning_content (empty) on the tool-call turn', async () => {
    const t = await setup(target(), { DEEPSEEK_API_KEY: 'sk-ds', DEEPSEEK_BASE_URL: ds.url })
    const before = ds.requests.length
    try {
      const { answer } = await anthropicToolRoundTrip(t.anthropic, 'deepseek:deepseek-flash', false, (content) =>
        content.filter((c) => c.type !== 'thinking') as Anthropic.ContentBlockParam[],
      )
      expect(answer).toBe('Tool said: 18C and sunny')
      const { assistant } = toolMessages({ body: ds.requests[before + 1].body } as RecordedRequest)
      expect(assistant.reasoning_content).toBe('')
      expect(assistant.tool_calls).toHaveLength(1)
    } finally {
      await t.gw.close()
    }
  })
})

describe('azure-openai', () => {
  it('deployment URL with api-version, the key in api-key and no Authorization header (pass-through)', async () => {
    const up = prefix()
    const t = await setup(target(), { AZURE_OPENAI_API_KEY: 'az-key-1', AZURE_OPENAI_BASE_URL: up.base() })
    try {
      const r = await t.openai.chat.completions.create({ model: 'azure-openai:my-gpt-4o', messages: [{ role: 'user', content: 'Say hello' }] })
      expect(r.choices[0]!.message.content).toBe('Hello from openai!')
      const [req] = up.requests()
      expect(req!.path).toBe('/openai/deployments/my-gpt-4o/chat/completions?api-version=2024-10-21')
      expect(req!.headers['api-key']).toBe('az-key-1')
      expect(req!.headers).not.toHaveProperty('authorization')
      expect(JSON.stringify(req!.headers)).not.toContain(CLIENT_KEY)
    } finally {
      await t.gw.close()
    }
  })

  it('translated and streaming too; AZURE_OPENAI_API_VERSION picks the version', async () => {
    const up = prefix()
    const t = await setup(target(), {
      AZURE_OPENAI_API_KEY: 'az-key-2',
      AZURE_OPENAI_BASE_URL: up.base(),
      AZURE_OPENAI_API_VERSION: '2025-04-01-preview',
    })
    try {
      const msg = await t.anthropic.messages
        .stream({ model: 'azure-openai:gpt-4.1-prod', max_tokens: 64, messages: [{ role: 'user', content: 'Say hello' }] })
        .finalMessage()
      expect((msg.content[0] as Anthropic.TextBlock).text).toBe('Hello from openai!')
      const [req] = up.requests()
      expect(req!.path).toBe('/openai/deployments/gpt-4.1-prod/chat/completions?api-version=2025-04-01-preview')
      expect(req!.headers['api-key']).toBe('az-key-2')
      expect(req!.headers).not.toHaveProperty('authorization')
      expect(req!.headers).not.toHaveProperty('x-api-key')
      expect(req!.body).toMatchObject({ model: 'gpt-4.1-prod', stream: true })
    } finally {
      await t.gw.close()
    }
  })
})

describe('openrouter', () => {
  it('sends its identity headers (translated request)', async () => {
    const up = prefix()
    const t = await setup(target(), { OPENROUTER_API_KEY: 'sk-or', OPENROUTER_BASE_URL: up.base('/api/v1') })
    try {
      await t.anthropic.messages.create({ model: 'openrouter:qwen/qwen3-coder', max_tokens: 32, messages: [{ role: 'user', content: 'Say hello' }] })
      const [req] = up.requests()
      expect(req!.path).toBe('/api/v1/chat/completions')
      expect(req!.body.model).toBe('qwen/qwen3-coder')
      expect(req!.headers.authorization).toBe('Bearer sk-or')
      expect(req!.headers['http-referer']).toBe('https://github.com/llm-gateway')
      expect(req!.headers['x-title']).toBe('llm-gateway')
    } finally {
      await t.gw.close()
    }
  })

  it('a client’s own identity headers win on pass-through', async () => {
    const up = prefix()
    const t = await setup(target(), { OPENROUTER_API_KEY: 'sk-or', OPENROUTER_BASE_URL: up.base('/api/v1') })
    try {
      const client = new OpenAI({
        baseURL: `${t.gw.url}/v1`,
        apiKey: CLIENT_KEY,
        maxRetries: 0,
        defaultHeaders: { 'HTTP-Referer': 'https://my.app', 'X-Title': 'My App' },
      })
      await client.chat.completions.create({ model: 'openrouter:openai/gpt-5', messages: [{ role: 'user', content: 'Say hello' }] })
      const [req] = up.requests()
      expect(req!.headers['http-referer']).toBe('https://my.app')
      expect(req!.headers['x-title']).toBe('My App')
      expect(req!.headers.authorization).toBe('Bearer sk-or')
    } finally {
      await t.gw.close()
    }
  })
})
