/**
 * The integration suite: official SDK clients → the gateway → a fake upstream on
 * loopback. Runtime-neutral: test/integration/node.test.ts runs it against the
 * Node adapter, test/workers/suite.test.ts inside workerd.
 */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'

export interface GatewayHandle {
  url: string
  fetch?: typeof fetch
  close(): Promise<void>
}

export interface SuiteTarget {
  /** Root URL of the fake upstream (test/integration/fake-upstream.ts). */
  upstreamUrl: string
  /** A gateway with these settings. */
  start(env: Record<string, string>): Promise<GatewayHandle>
}

export const CLIENT_KEY = 'client-key-123'
export const UPSTREAM_KEYS = { openai: 'sk-up-openai-secret', anthropic: 'sk-ant-up-secret' }

let counter = 0
/** A fresh gateway whose back ends point at this test's private upstream prefix. */
export async function setup(target: SuiteTarget, extra: Record<string, string> = {}) {
  const id = `${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  const base = `${target.upstreamUrl}/t/${id}`
  const gw = await target.start({
    PROXY_API_KEYS: CLIENT_KEY,
    OPENAI_API_KEY: UPSTREAM_KEYS.openai,
    OPENAI_BASE_URL: `${base}/v1`,
    ANTHROPIC_API_KEY: UPSTREAM_KEYS.anthropic,
    ANTHROPIC_BASE_URL: base,
    LOG_LEVEL: 'silent',
    ...extra,
  })
  const fetchImpl = gw.fetch
  return {
    gw,
    openai: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, fetch: fetchImpl, maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: CLIENT_KEY, fetch: fetchImpl, maxRetries: 0 }),
    /** What the upstream received, in order. */
    upstream: async (): Promise<any[]> => (await fetch(`${target.upstreamUrl}/__log/${id}`)).json() as Promise<any[]>,
    raw: (path: string, init?: RequestInit) => (fetchImpl ?? fetch)(`${gw.url}${path}`, init),
  }
}

const WEATHER_TOOL_OPENAI = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}
const WEATHER_TOOL_ANTHROPIC = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
}

const BACKENDS = [
  { id: 'openai', model: 'openai:gpt-test', upstreamModel: 'gpt-test', path: '/v1/chat/completions', greeting: 'Hello from openai!' },
  { id: 'anthropic', model: 'anthropic:claude-test', upstreamModel: 'claude-test', path: '/v1/messages', greeting: 'Hello from anthropic!' },
] as const

function expectUpstreamAuth(req: any, backend: string) {
  const headers = JSON.stringify(req.headers)
  expect(headers).not.toContain(CLIENT_KEY)
  if (backend === 'openai') expect(req.headers.authorization).toBe(`Bearer ${UPSTREAM_KEYS.openai}`)
  else {
    expect(req.headers['x-api-key']).toBe(UPSTREAM_KEYS.anthropic)
    expect(req.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  }
}

/** The upstream's view of the second turn of a tool round trip: the call and its answer, linked by id. */
function expectToolHistory(req: any, backend: string) {
  const msgs = req.body.messages
  if (backend === 'openai') {
    const call = msgs.find((m: any) => m.role === 'assistant').tool_calls[0]
    expect(call.function.name).toBe('get_weather')
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' })
    const tool = msgs.find((m: any) => m.role === 'tool')
    expect(tool.tool_call_id).toBe(call.id)
    expect(tool.content).toContain('18C and sunny')
  } else {
    const assistant = msgs.find((m: any) => m.role === 'assistant')
    const use = assistant.content.find((b: any) => b.type === 'tool_use')
    expect(assistant.content.some((b: any) => b.type === 'text' && b.text === '')).toBe(false)
    expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })
    const result = msgs.at(-1).content.find((b: any) => b.type === 'tool_result')
    expect(result.tool_use_id).toBe(use.id)
    expect(JSON.stringify(result.content)).toContain('18C and sunny')
  }
}

export function defineGatewaySuite(getTarget: () => SuiteTarget) {
  describe('OpenAI SDK (chat.completions) front end', () => {
    for (const b of BACKENDS) {
      for (const stream of [false, true]) {
        const mode = stream ? 'streaming' : 'non-streaming'

        it(`→ ${b.id} back end, ${mode}, plain text`, async () => {
          const t = await setup(getTarget())
          try {
            const params = {
              model: b.model,
              messages: [
                { role: 'system' as const, content: 'Be brief.' },
                { role: 'user' as const, content: 'Say hello' },
              ],
            }
            let text: string
            let finish: string | null
            let usage: OpenAI.CompletionUsage | undefined
            if (stream) {
              const s = await t.openai.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } })
              const chunks: OpenAI.ChatCompletionChunk[] = []
              for await (const c of s) chunks.push(c)
              expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant')
              text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')
              finish = chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason
              const usageChunk = chunks.at(-1)!
              expect(usageChunk.choices).toEqual([])
              usage = usageChunk.usage ?? undefined
            } else {
              const r = await t.openai.chat.completions.create(params)
              text = r.choices[0]!.message.content!
              finish = r.choices[0]!.finish_reason
              usage = r.usage
            }
            expect(text).toBe(b.greeting)
            expect(finish).toBe('stop')
            expect(usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 })
            expect(usage?.prompt_tokens_details?.cached_tokens).toBe(5)

            const [req] = await t.upstream()
            expect(req.path).toBe(b.path)
            expect(req.body.model).toBe(b.upstreamModel)
            expect(req.body.stream ?? false).toBe(stream)
            expectUpstreamAuth(req, b.id)
            if (b.id === 'anthropic') {
              expect(JSON.stringify(req.body.system)).toContain('Be brief.')
              expect(req.body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }])
              expect(req.body.max_tokens).toBeGreaterThan(0)
            } else {
              expect(req.body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' })
            }
          } finally {
            await t.gw.close()
          }
        })

        it(`→ ${b.id} back end, ${mode}, tool-call round trip`, async () => {
          const t = await setup(getTarget())
          try {
            const first = {
              model: b.model,
              tools: [WEATHER_TOOL_OPENAI],
              messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }],
            }
            let message: OpenAI.ChatCompletionMessage
            let finish: string
            if (stream) {
              const s = t.openai.chat.completions.stream(first)
              const done = await s.finalChatCompletion()
              message = done.choices[0]!.message
              finish = done.choices[0]!.finish_reason
            } else {
              const r = await t.openai.chat.completions.create(first)
              message = r.choices[0]!.message
              finish = r.choices[0]!.finish_reason
            }
            expect(finish).toBe('tool_calls')
            expect(message.tool_calls).toHaveLength(1)
            const call = message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall
            expect(call.id).toBeTruthy()
            expect(call.function.name).toBe('get_weather')
            expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' })

            const second = {
              ...first,
              messages: [
                ...first.messages,
                { role: 'assistant' as const, content: null, tool_calls: [call] },
                { role: 'tool' as const, tool_call_id: call.id, content: '18C and sunny' },
              ],
            }
            let answer: string
            if (stream) answer = (await t.openai.chat.completions.stream(second).finalChatCompletion()).choices[0]!.message.content!
            else answer = (await t.openai.chat.completions.create(second)).choices[0]!.message.content!
            expect(answer).toBe('Tool said: 18C and sunny')

            const reqs = await t.upstream()
            expect(reqs).toHaveLength(2)
            const tools = reqs[0].body.tools
            if (b.id === 'anthropic') expect(tools[0]).toMatchObject({ name: 'get_weather', input_schema: WEATHER_TOOL_OPENAI.function.parameters })
            else expect(tools[0]).toEqual(WEATHER_TOOL_OPENAI)
            expectToolHistory(reqs[1], b.id)
          } finally {
            await t.gw.close()
          }
        })
      }
    }
  })

  describe('Anthropic SDK (messages) front end', () => {
    for (const b of BACKENDS) {
      for (const stream of [false, true]) {
        const mode = stream ? 'streaming' : 'non-streaming'

        it(`→ ${b.id} back end, ${mode}, plain text`, async () => {
          const t = await setup(getTarget())
          try {
            const params = {
              model: b.model,
              max_tokens: 256,
              system: [{ type: 'text' as const, text: 'Be brief.', cache_control: { type: 'ephemeral' as const } }],
              messages: [{ role: 'user' as const, content: 'Say hello' }],
            }
            let msg: Anthropic.Message
            if (stream) {
              const s = t.anthropic.messages.stream(params)
              const types: string[] = []
              s.on('streamEvent', (e) => types.push(e.type))
              msg = await s.finalMessage()
              expect(types[0]).toBe('message_start')
              expect(types.at(-1)).toBe('message_stop')
              expect(types.at(-2)).toBe('message_delta')
            } else {
              msg = await t.anthropic.messages.create(params)
            }
            expect(msg.content).toEqual([expect.objectContaining({ type: 'text', text: b.greeting })])
            expect(msg.stop_reason).toBe('end_turn')
            expect(msg.usage).toMatchObject({ input_tokens: 15, cache_read_input_tokens: 5, output_tokens: 9 })

            const [req] = await t.upstream()
            expect(req.path.split('?')[0]).toBe(b.path)
            expect(req.body.model).toBe(b.upstreamModel)
            expectUpstreamAuth(req, b.id)
            if (b.id === 'openai') {
              expect(req.body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' })
              expect(req.body.messages[1]).toEqual({ role: 'user', content: 'Say hello' })
              expect(req.body.max_tokens ?? req.body.max_completion_tokens).toBe(256)
              if (stream) expect(req.body.stream_options).toEqual({ include_usage: true })
            } else {
              expect(req.body.system).toEqual(params.system)
              expect(req.body.max_tokens).toBe(256)
            }
          } finally {
            await t.gw.close()
          }
        })

        it(`→ ${b.id} back end, ${mode}, tool-call round trip`, async () => {
          const t = await setup(getTarget())
          try {
            const first = {
              model: b.model,
              max_tokens: 256,
              tools: [WEATHER_TOOL_ANTHROPIC],
              messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }] as Anthropic.MessageParam[],
            }
            const msg = stream ? await t.anthropic.messages.stream(first).finalMessage() : await t.anthropic.messages.create(first)
            expect(msg.stop_reason).toBe('tool_use')
            const uses = msg.content.filter((c): c is Anthropic.ToolUseBlock => c.type === 'tool_use')
            expect(uses).toHaveLength(1)
            expect(uses[0]).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })
            expect(msg.content.some((c) => c.type === 'text' && c.text === '')).toBe(false)

            const second = {
              ...first,
              messages: [
                ...first.messages,
                { role: 'assistant' as const, content: msg.content },
                { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: uses[0]!.id, content: '18C and sunny' }] },
              ],
            }
            const final = stream ? await t.anthropic.messages.stream(second).finalMessage() : await t.anthropic.messages.create(second)
            expect(final.content[0]).toMatchObject({ type: 'text', text: 'Tool said: 18C and sunny' })

            const reqs = await t.upstream()
            expect(reqs).toHaveLength(2)
            if (b.id === 'openai') expect(reqs[0].body.tools[0]).toEqual(WEATHER_TOOL_OPENAI)
            else expect(reqs[0].body.tools[0]).toEqual(WEATHER_TOOL_ANTHROPIC)
            expectToolHistory(reqs[1], b.id)
          } finally {
            await t.gw.close()
          }
        })
      }
    }
  })
}
