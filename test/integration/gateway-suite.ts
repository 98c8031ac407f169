/**
 * The integration suite: official SDK clients → the gateway → a fake upstream on
 * loopback, for every front end × back end × streaming or not × plain text and a
 * tool-call round trip. Runtime-neutral: test/integration/node.test.ts runs it
 * against the Node adapter, test/workers/suite.test.ts inside workerd.
 */
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI, type Content } from '@google/genai'
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { GEMINI_SIGNATURE } from './fake-upstream'

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
export const UPSTREAM_KEYS = { openai: 'sk-up-openai-secret', anthropic: 'sk-ant-up-secret', gemini: 'AIza-up-gemini-secret' }

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
    GEMINI_API_KEY: UPSTREAM_KEYS.gemini,
    GEMINI_BASE_URL: base,
    OPENAI_RESPONSES_API_KEY: UPSTREAM_KEYS.openai,
    OPENAI_RESPONSES_BASE_URL: `${base}/v1`,
    LOG_LEVEL: 'silent',
    LLM_PROXY_LOCAL_DISCOVERY: '0',
    ...extra,
  })
  const fetchImpl = gw.fetch
  return {
    gw,
    openai: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, fetch: fetchImpl, maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: CLIENT_KEY, fetch: fetchImpl, maxRetries: 0 }),
    gemini: new GoogleGenAI({ apiKey: CLIENT_KEY, httpOptions: { baseUrl: gw.url, ...(fetchImpl ? { fetch: fetchImpl } : {}) } }),
    /** What the upstream received, in order. */
    upstream: async (): Promise<any[]> => (await fetch(`${target.upstreamUrl}/__log/${id}`)).json() as Promise<any[]>,
    raw: (path: string, init?: RequestInit) => (fetchImpl ?? fetch)(`${gw.url}${path}`, init),
  }
}

export type Setup = Awaited<ReturnType<typeof setup>>

const PARAMS = { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] }
const DESCRIPTION = 'Current weather for a city'

// ---------------------------------------------------------------------------
// Back ends: what the upstream must have received.

interface BackendCase {
  id: 'openai' | 'anthropic' | 'gemini'
  model: string
  upstreamModel: string
  greeting: string
  path(stream: boolean): string
  expectAuth(req: any): void
  expectSystem(req: any): void
  expectToolOffered(req: any): void
  expectToolHistory(req: any): void
}

const BACKENDS: BackendCase[] = [
  {
    id: 'openai',
    model: 'openai:gpt-test',
    upstreamModel: 'gpt-test',
    greeting: 'Hello from openai!',
    path: () => '/v1/chat/completions',
    expectAuth: (req) => expect(req.headers.authorization).toBe(`Bearer ${UPSTREAM_KEYS.openai}`),
    expectSystem: (req) => expect(req.body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' }),
    expectToolOffered: (req) =>
      expect(req.body.tools[0]).toMatchObject({ type: 'function', function: { name: 'get_weather', parameters: PARAMS } }),
    expectToolHistory: (req) => {
      const msgs = req.body.messages
      const call = msgs.find((m: any) => m.role === 'assistant').tool_calls[0]
      expect(call.function.name).toBe('get_weather')
      expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' })
      const tool = msgs.find((m: any) => m.role === 'tool')
      expect(tool.tool_call_id).toBe(call.id)
      expect(JSON.stringify(tool.content)).toContain('18C and sunny')
    },
  },
  {
    id: 'anthropic',
    model: 'anthropic:claude-test',
    upstreamModel: 'claude-test',
    greeting: 'Hello from anthropic!',
    path: () => '/v1/messages',
    expectAuth: (req) => {
      expect(req.headers['x-api-key']).toBe(UPSTREAM_KEYS.anthropic)
      expect(req.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    },
    expectSystem: (req) => {
      expect(JSON.stringify(req.body.system)).toContain('Be brief.')
      expect(req.body.max_tokens).toBeGreaterThan(0)
    },
    expectToolOffered: (req) => expect(req.body.tools[0]).toMatchObject({ name: 'get_weather', input_schema: PARAMS }),
    expectToolHistory: (req) => {
      const msgs = req.body.messages
      const assistant = msgs.find((m: any) => m.role === 'assistant')
      const use = assistant.content.find((b: any) => b.type === 'tool_use')
      expect(assistant.content.some((b: any) => b.type === 'text' && b.text === '')).toBe(false)
      expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })
      const result = msgs.at(-1).content.find((b: any) => b.type === 'tool_result')
      expect(result.tool_use_id).toBe(use.id)
      expect(JSON.stringify(result.content)).toContain('18C and sunny')
    },
  },
  {
    id: 'gemini',
    model: 'gemini:gemini-test',
    upstreamModel: 'gemini-test',
    greeting: 'Hello from gemini!',
    path: (stream) => `/v1beta/models/gemini-test:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    expectAuth: (req) => expect(req.headers['x-goog-api-key']).toBe(UPSTREAM_KEYS.gemini),
    expectSystem: (req) => expect(JSON.stringify(req.body.systemInstruction)).toContain('Be brief.'),
    expectToolOffered: (req) =>
      expect(req.body.tools[0].functionDeclarations[0]).toMatchObject({ name: 'get_weather', description: DESCRIPTION }),
    expectToolHistory: (req) => {
      const contents = req.body.contents
      const modelTurn = contents.find((c: any) => c.role === 'model')
      const callPart = modelTurn.parts.find((p: any) => p.functionCall)
      expect(callPart.functionCall).toMatchObject({ name: 'get_weather', args: { city: 'Paris' } })
      // Gemini signs its function calls; the signature came back through the client's protocol.
      expect(callPart.thoughtSignature).toBe(GEMINI_SIGNATURE(0))
      const response = contents.at(-1).parts.find((p: any) => p.functionResponse).functionResponse
      expect(response.name).toBe('get_weather')
      expect(JSON.stringify(response.response)).toContain('18C and sunny')
    },
  },
]

// ---------------------------------------------------------------------------
// Front ends: one official SDK each. Each driver asserts what its client got.

interface TextResult {
  text: string
  upstreamSystem?: boolean
}

interface FrontCase {
  name: string
  text(t: Setup, model: string, stream: boolean): Promise<string>
  /** First turn → a tool call; second turn with its result → the answer. */
  toolRoundTrip(t: Setup, model: string, stream: boolean): Promise<{ call: { name: string; args: unknown }; answer: string }>
}

const FRONTS: FrontCase[] = [
  {
    name: 'OpenAI SDK chat.completions',
    async text(t, model, stream) {
      const params = { model, messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Say hello' }] }
      if (stream) {
        const s = await t.openai.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } })
        const chunks: OpenAI.ChatCompletionChunk[] = []
        for await (const c of s) chunks.push(c)
        expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant')
        expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason).toBe('stop')
        const usage = chunks.at(-1)!
        expect(usage.choices).toEqual([])
        expect(usage.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 })
        expect(usage.usage?.prompt_tokens_details?.cached_tokens).toBe(5)
        return chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')
      }
      const r = await t.openai.chat.completions.create(params)
      expect(r.choices[0]!.finish_reason).toBe('stop')
      expect(r.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 })
      expect(r.usage?.prompt_tokens_details?.cached_tokens).toBe(5)
      return r.choices[0]!.message.content!
    },
    async toolRoundTrip(t, model, stream) {
      const first = {
        model,
        tools: [{ type: 'function' as const, function: { name: 'get_weather', description: DESCRIPTION, parameters: PARAMS } }],
        messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }] as OpenAI.ChatCompletionMessageParam[],
      }
      const r1 = stream ? await t.openai.chat.completions.stream(first).finalChatCompletion() : await t.openai.chat.completions.create(first)
      expect(r1.choices[0]!.finish_reason).toBe('tool_calls')
      const calls = r1.choices[0]!.message.tool_calls!
      expect(calls).toHaveLength(1)
      const call = calls[0] as OpenAI.ChatCompletionMessageFunctionToolCall
      const second = {
        ...first,
        messages: [
          ...first.messages,
          { role: 'assistant' as const, content: null, tool_calls: calls },
          { role: 'tool' as const, tool_call_id: call.id, content: '18C and sunny' },
        ],
      }
      const r2 = stream ? await t.openai.chat.completions.stream(second).finalChatCompletion() : await t.openai.chat.completions.create(second)
      return { call: { name: call.function.name, args: JSON.parse(call.function.arguments) }, answer: r2.choices[0]!.message.content! }
    },
  },
  {
    name: 'OpenAI SDK responses',
    async text(t, model, stream) {
      const params = { model, instructions: 'Be brief.', input: 'Say hello' }
      let r: OpenAI.Responses.Response
      if (stream) {
        const s = t.openai.responses.stream(params)
        const types: string[] = []
        s.on('event', (e) => types.push(e.type))
        r = await s.finalResponse()
        expect(types.slice(0, 2)).toEqual(['response.created', 'response.in_progress'])
        expect(types).toContain('response.output_text.delta')
        expect(types.at(-1)).toBe('response.completed')
      } else r = await t.openai.responses.create(params)
      expect(r.status).toBe('completed')
      expect(r.usage).toMatchObject({ input_tokens: 20, output_tokens: 9, total_tokens: 29 })
      expect(r.usage?.input_tokens_details.cached_tokens).toBe(5)
      return r.output_text
    },
    async toolRoundTrip(t, model, stream) {
      const tools = [{ type: 'function' as const, name: 'get_weather', description: DESCRIPTION, parameters: PARAMS, strict: false }]
      const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'What is the weather in Paris?' }]
      const ask = (body: { model: string; tools: typeof tools; input: OpenAI.Responses.ResponseInputItem[]; store: boolean }): Promise<OpenAI.Responses.Response> =>
        stream ? t.openai.responses.stream(body).finalResponse() : t.openai.responses.create(body)
      const r1 = await ask({ model, tools, input, store: false })
      const calls = r1.output.filter((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call')
      expect(calls).toHaveLength(1)
      const r2 = await ask({
        model,
        tools,
        store: false,
        input: [...input, ...(r1.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: calls[0]!.call_id, output: '18C and sunny' }],
      })
      return { call: { name: calls[0]!.name, args: JSON.parse(calls[0]!.arguments) }, answer: r2.output_text }
    },
  },
  {
    name: 'Anthropic SDK messages',
    async text(t, model, stream) {
      const params = {
        model,
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
        expect(types.slice(-2)).toEqual(['message_delta', 'message_stop'])
      } else msg = await t.anthropic.messages.create(params)
      expect(msg.stop_reason).toBe('end_turn')
      expect(msg.usage).toMatchObject({ input_tokens: 15, cache_read_input_tokens: 5, output_tokens: 9 })
      expect(msg.content).toHaveLength(1)
      return (msg.content[0] as Anthropic.TextBlock).text
    },
    async toolRoundTrip(t, model, stream) {
      const first = {
        model,
        max_tokens: 256,
        tools: [{ name: 'get_weather', description: DESCRIPTION, input_schema: PARAMS }],
        messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }] as Anthropic.MessageParam[],
      }
      const m1 = stream ? await t.anthropic.messages.stream(first).finalMessage() : await t.anthropic.messages.create(first)
      expect(m1.stop_reason).toBe('tool_use')
      expect(m1.content.some((c) => c.type === 'text' && c.text === '')).toBe(false)
      const uses = m1.content.filter((c): c is Anthropic.ToolUseBlock => c.type === 'tool_use')
      expect(uses).toHaveLength(1)
      const second = {
        ...first,
        messages: [
          ...first.messages,
          { role: 'assistant' as const, content: m1.content },
          { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: uses[0]!.id, content: '18C and sunny' }] },
        ],
      }
      const m2 = stream ? await t.anthropic.messages.stream(second).finalMessage() : await t.anthropic.messages.create(second)
      return { call: { name: uses[0]!.name, args: uses[0]!.input }, answer: (m2.content[0] as Anthropic.TextBlock).text }
    },
  },
  {
    name: 'Google GenAI SDK',
    async text(t, model, stream) {
      const params = { model, contents: 'Say hello', config: { systemInstruction: 'Be brief.' } }
      if (stream) {
        const chunks = []
        for await (const c of await t.gemini.models.generateContentStream(params)) chunks.push(c)
        const last = chunks.at(-1)!
        expect(last.candidates?.[0]?.finishReason).toBe('STOP')
        expect(last.usageMetadata).toMatchObject({ promptTokenCount: 20, cachedContentTokenCount: 5 })
        expect(last.usageMetadata!.totalTokenCount).toBe(29)
        return chunks.map((c) => c.text ?? '').join('')
      }
      const r = await t.gemini.models.generateContent(params)
      expect(r.candidates?.[0]?.finishReason).toBe('STOP')
      expect(r.usageMetadata).toMatchObject({ promptTokenCount: 20, cachedContentTokenCount: 5, totalTokenCount: 29 })
      return r.text!
    },
    async toolRoundTrip(t, model, stream) {
      const config = { tools: [{ functionDeclarations: [{ name: 'get_weather', description: DESCRIPTION, parametersJsonSchema: PARAMS }] }] }
      const user: Content = { role: 'user', parts: [{ text: 'What is the weather in Paris?' }] }
      const ask = async (contents: Content[]) => {
        if (!stream) return t.gemini.models.generateContent({ model, contents, config })
        const chunks = []
        for await (const c of await t.gemini.models.generateContentStream({ model, contents, config })) chunks.push(c)
        // A client rebuilds the model turn from the chunks' parts.
        const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? [])
        return { ...chunks.at(-1)!, candidates: [{ content: { role: 'model', parts } }], text: chunks.map((c) => c.text ?? '').join(''), functionCalls: chunks.flatMap((c) => c.functionCalls ?? []) }
      }
      const r1 = await ask([user])
      const calls = r1.functionCalls ?? []
      expect(calls).toHaveLength(1)
      const modelTurn = r1.candidates![0]!.content as Content
      const r2 = await ask([
        user,
        modelTurn,
        { role: 'user', parts: [{ functionResponse: { name: calls[0]!.name, id: calls[0]!.id, response: { output: '18C and sunny' } } }] },
      ])
      return { call: { name: calls[0]!.name!, args: calls[0]!.args }, answer: r2.text! }
    },
  },
]

export function defineGatewaySuite(getTarget: () => SuiteTarget) {
  for (const front of FRONTS) {
    describe(`${front.name} front end`, () => {
      for (const b of BACKENDS) {
        for (const stream of [false, true]) {
          const mode = stream ? 'streaming' : 'non-streaming'

          it(`→ ${b.id} back end, ${mode}, plain text`, async () => {
            const t = await setup(getTarget())
            try {
              expect(await front.text(t, b.model, stream)).toBe(b.greeting)
              const reqs = await t.upstream()
              expect(reqs).toHaveLength(1)
              const [req] = reqs
              expect(req.path).toBe(b.path(stream))
              if (b.id !== 'gemini') expect(req.body.model).toBe(b.upstreamModel)
              b.expectAuth(req)
              b.expectSystem(req)
              expect(JSON.stringify(req.headers)).not.toContain(CLIENT_KEY)
            } finally {
              await t.gw.close()
            }
          })

          it(`→ ${b.id} back end, ${mode}, tool-call round trip`, async () => {
            const t = await setup(getTarget())
            try {
              const { call, answer } = await front.toolRoundTrip(t, b.model, stream)
              expect(call).toEqual({ name: 'get_weather', args: { city: 'Paris' } })
              expect(answer).toBe('Tool said: 18C and sunny')
              const reqs = await t.upstream()
              expect(reqs).toHaveLength(2)
              b.expectToolOffered(reqs[0])
              b.expectToolHistory(reqs[1])
            } finally {
              await t.gw.close()
            }
          })
        }
      }
    })
  }
}
