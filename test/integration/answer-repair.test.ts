/**
 * Answer repair (src/interceptors/tool-repair.ts, json-repair.ts, think-tags.ts)
 * through the official SDKs, the Node adapter and the content-scripted fake
 * upstream: a model that writes its tool call as text gives the client a
 * structured call; a JSON-mode answer in a fence parses; <think> text becomes
 * thinking. Same protocol (passed through) and translated, streaming and not.
 */
import type Anthropic from '@anthropic-ai/sdk'
import type { FunctionCall, GenerateContentResponse } from '@google/genai'
import type OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { startContentUpstream, type ContentUpstream } from './content-upstream'
import { setup, type Setup } from './gateway-suite'

let up: ContentUpstream
let t: Setup
let thinking: Setup
beforeAll(async () => {
  up = await startContentUpstream()
  const target = { upstreamUrl: up.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) }
  // setup() points back ends at `${upstreamUrl}/t/<id>`; the content upstream answers on any path prefix.
  t = await setup(target)
  thinking = await setup(target, { FIX_THINK_TAGS: 'on' })
})
afterAll(async () => {
  await t?.gw.close()
  await thinking?.gw.close()
  await up.close()
})

const PARAMS = { type: 'object' as const, properties: { path: { type: 'string' }, limit: { type: 'integer' } }, required: ['path'] }
const OPENAI_TOOLS: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'read_file', description: 'Read a file', parameters: PARAMS } }]
const ANTHROPIC_TOOLS: Anthropic.Tool[] = [{ name: 'read_file', description: 'Read a file', input_schema: PARAMS }]
const GEMINI_TOOLS = [{ functionDeclarations: [{ name: 'read_file', description: 'Read a file', parametersJsonSchema: PARAMS }] }]

interface Got {
  calls: Array<{ name: string; args: unknown; id?: string }>
  text: string
  finish: string | null | undefined
}

type Front = 'openai' | 'anthropic' | 'gemini'
const TOOL_FINISH: Record<Front, string> = { openai: 'tool_calls', anthropic: 'tool_use', gemini: 'STOP' }

async function viaOpenAI(s: Setup, model: string, stream: boolean): Promise<Got> {
  const params = { model, tools: OPENAI_TOOLS, messages: [{ role: 'user' as const, content: 'Read src/a.ts' }] }
  const r = stream ? await s.openai.chat.completions.stream(params).finalChatCompletion() : await s.openai.chat.completions.create(params)
  const m = r.choices[0]!.message
  return {
    calls: (m.tool_calls ?? []).map((c) => {
      const f = (c as OpenAI.ChatCompletionMessageFunctionToolCall).function
      return { name: f.name, args: JSON.parse(f.arguments), id: c.id }
    }),
    text: m.content ?? '',
    finish: r.choices[0]!.finish_reason,
  }
}

async function viaAnthropic(s: Setup, model: string, stream: boolean): Promise<Got> {
  const params = { model, max_tokens: 256, tools: ANTHROPIC_TOOLS, messages: [{ role: 'user' as const, content: 'Read src/a.ts' }] }
  const r = stream ? await s.anthropic.messages.stream(params).finalMessage() : await s.anthropic.messages.create(params)
  return {
    calls: r.content.flatMap((b) => (b.type === 'tool_use' ? [{ name: b.name, args: b.input, id: b.id }] : [])),
    text: r.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''),
    finish: r.stop_reason,
  }
}

async function viaGemini(s: Setup, model: string, stream: boolean): Promise<Got> {
  const params = { model, contents: 'Read src/a.ts', config: { tools: GEMINI_TOOLS } }
  const chunks: GenerateContentResponse[] = []
  if (stream) for await (const c of await s.gemini.models.generateContentStream(params)) chunks.push(c)
  else chunks.push(await s.gemini.models.generateContent(params))
  const calls: FunctionCall[] = chunks.flatMap((c) => c.functionCalls ?? [])
  const text = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []).flatMap((p) => (typeof p.text === 'string' && !p.thought ? [p.text] : [])).join('')
  return { calls: calls.map((c) => ({ name: c.name!, args: c.args })), text, finish: chunks.at(-1)?.candidates?.[0]?.finishReason }
}

const VIA: Record<Front, (s: Setup, model: string, stream: boolean) => Promise<Got>> = { openai: viaOpenAI, anthropic: viaAnthropic, gemini: viaGemini }
const BACKENDS = [
  { id: 'openai', model: 'openai:gpt-test' },
  { id: 'anthropic', model: 'anthropic:claude-test' },
] as const

const WRITTEN: Array<[label: string, text: string]> = [
  ['Hermes <tool_call>', 'Let me look at it.\n\n<tool_call>\n{"name": "read_file", "arguments": {"path": "src/a.ts", "limit": 40}}\n</tool_call>'],
  ['Qwen3-Coder XML', 'Let me look at it.\n<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/a.ts\n</parameter>\n<parameter=limit>\n40\n</parameter>\n</function>\n</tool_call>'],
  ['JSON in a fence', 'Let me look at it.\n```json\n{"name": "read_file", "arguments": {"path": "src/a.ts", "limit": 40,}}\n```'],
  ['Cline XML', 'Let me look at it.\n<read_file>\n<path>src/a.ts</path>\n<limit>40</limit>\n</read_file>'],
]

describe('tool-repair through the SDKs: a call written as text reaches the client as a structured call', () => {
  for (const front of ['openai', 'anthropic', 'gemini'] as const)
    for (const backend of BACKENDS)
      for (const stream of [false, true]) {
        const same = front === backend.id
        const how = `${front} SDK → ${backend.id}${same ? ' (pass-through)' : ''}, ${stream ? 'streaming' : 'JSON'}`
        for (const [label, written] of front === 'gemini' ? WRITTEN.slice(0, 2) : WRITTEN)
          it(`${how}: ${label}`, async () => {
            up.next({ content: [{ type: 'text', text: written }], chunk: 3 })
            const got = await VIA[front](t, backend.model, stream)
            expect(got.calls.map((c) => ({ name: c.name, args: c.args }))).toEqual([{ name: 'read_file', args: { path: 'src/a.ts', limit: 40 } }])
            expect(got.text.trim()).toBe('Let me look at it.')
            expect(got.finish).toBe(TOOL_FINISH[front])
            if (front !== 'gemini') expect(got.calls[0]!.id).toBeTruthy()
          })
      }

  for (const backend of BACKENDS)
    for (const stream of [false, true])
      it(`prose with braces and tags, ${backend.id} → OpenAI SDK, ${stream ? 'streaming' : 'JSON'}: unchanged`, async () => {
        const prose = 'Use `Array<string>` or { a: 1 }; see <b>docs</b> and {"name": "Alice"}.'
        up.next({ content: [{ type: 'text', text: prose }], chunk: 5 })
        const got = await viaOpenAI(t, backend.model, stream)
        expect(got).toEqual({ calls: [], text: prose, finish: 'stop' })
      })

  it('a name that is no declared tool stays text', async () => {
    const written = '<tool_call>{"name": "delete_repo", "arguments": {}}</tool_call>'
    up.next({ content: [{ type: 'text', text: written }], chunk: 4 })
    const got = await viaAnthropic(t, 'anthropic:claude-test', true)
    expect(got).toEqual({ calls: [], text: written, finish: 'end_turn' })
  })

  it('a real call and a written one in the same answer: both, in order, with distinct ids', async () => {
    up.next({
      content: [
        { type: 'tool_call', id: 'call_real1', name: 'read_file', arguments: '{"path":"one.ts"}' },
        { type: 'text', text: '<tool_call>{"name": "read_file", "arguments": {"path": "two.ts"}}</tool_call>' },
      ],
    })
    const got = await viaOpenAI(t, 'openai:gpt-test', true)
    expect(got.calls.map((c) => c.args)).toEqual([{ path: 'one.ts' }, { path: 'two.ts' }])
    expect(got.calls[0]!.id).toBe('call_real1')
    expect(got.calls[1]!.id).not.toBe('call_real1')
    expect(got.finish).toBe('tool_calls')
  })
})

describe('json-repair through the SDKs: a JSON-mode answer parses', () => {
  const FENCED = 'Here is the JSON:\n```json\n{"city": "Paris", "tags": ["a", "b",],}\n```\nAnything else?'
  for (const backend of BACKENDS)
    for (const stream of [false, true]) {
      const how = `${backend.id}, ${stream ? 'streaming' : 'JSON'}`
      it(`OpenAI SDK response_format json_object → ${how}`, async () => {
        up.next({ content: [{ type: 'text', text: FENCED }], chunk: 6 })
        const params = { model: backend.model, response_format: { type: 'json_object' as const }, messages: [{ role: 'user' as const, content: 'city as JSON' }] }
        const r = stream ? await t.openai.chat.completions.stream(params).finalChatCompletion() : await t.openai.chat.completions.create(params)
        expect(JSON.parse(r.choices[0]!.message.content!)).toEqual({ city: 'Paris', tags: ['a', 'b'] })
      })
      it(`Gemini SDK responseMimeType application/json → ${how}`, async () => {
        up.next({ content: [{ type: 'text', text: FENCED }], chunk: 6 })
        const params = { model: backend.model, contents: 'city as JSON', config: { responseMimeType: 'application/json' } }
        let text = ''
        if (stream) for await (const c of await t.gemini.models.generateContentStream(params)) text += c.text ?? ''
        else text = (await t.gemini.models.generateContent(params)).text ?? ''
        expect(JSON.parse(text)).toEqual({ city: 'Paris', tags: ['a', 'b'] })
      })
    }

  it('JSON that parses passes through untouched (same protocol, streaming)', async () => {
    const json = '{"city": "Rome",  "n": 1}'
    up.next({ content: [{ type: 'text', text: json }], chunk: 4 })
    const params = { model: 'openai:gpt-test', response_format: { type: 'json_object' as const }, messages: [{ role: 'user' as const, content: 'x' }] }
    const r = await t.openai.chat.completions.stream(params).finalChatCompletion()
    expect(r.choices[0]!.message.content).toBe(json)
  })

  it('without a JSON request the same fenced text is left alone', async () => {
    up.next({ content: [{ type: 'text', text: FENCED }], chunk: 6 })
    const r = await t.openai.chat.completions.create({ model: 'anthropic:claude-test', messages: [{ role: 'user', content: 'x' }] })
    expect(r.choices[0]!.message.content).toBe(FENCED)
  })
})

describe('think-tags through the SDKs (FIX_THINK_TAGS=on)', () => {
  const WITH_TAGS = '<think>\nThe user greets me.\n</think>\n\nHello there!'
  for (const stream of [false, true]) {
    it(`Anthropic SDK → openai, ${stream ? 'streaming' : 'JSON'}: a thinking block, then the text`, async () => {
      up.next({ content: [{ type: 'text', text: WITH_TAGS }], chunk: 3 })
      const params = { model: 'openai:gpt-test', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] }
      const r = stream ? await thinking.anthropic.messages.stream(params).finalMessage() : await thinking.anthropic.messages.create(params)
      expect(r.content.map((b) => b.type)).toEqual(['thinking', 'text'])
      expect((r.content[0] as Anthropic.ThinkingBlock).thinking).toBe('The user greets me.\n')
      expect((r.content[1] as Anthropic.TextBlock).text).toBe('Hello there!')
    })
    it(`OpenAI SDK → openai (pass-through), ${stream ? 'streaming' : 'JSON'}: the tags are gone from the content`, async () => {
      up.next({ content: [{ type: 'text', text: WITH_TAGS }], chunk: 3 })
      const params = { model: 'openai:gpt-test', messages: [{ role: 'user' as const, content: 'hi' }] }
      let content = ''
      let reasoning = ''
      if (stream) {
        // Read the chunks: the SDK's accumulator keeps only the last value of a field it does not know (reasoning_content).
        for await (const c of await thinking.openai.chat.completions.create({ ...params, stream: true })) {
          const d = c.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined
          content += d?.content ?? ''
          reasoning += d?.reasoning_content ?? ''
        }
      } else {
        const m = (await thinking.openai.chat.completions.create(params)).choices[0]!.message
        content = m.content ?? ''
        reasoning = (m as unknown as { reasoning_content?: string }).reasoning_content ?? ''
      }
      expect(content).toBe('Hello there!')
      expect(reasoning).toBe('The user greets me.\n')
    })
  }

  it('off by default: the tags stay in the text', async () => {
    up.next({ content: [{ type: 'text', text: WITH_TAGS }], chunk: 3 })
    const r = await t.openai.chat.completions.create({ model: 'openai:gpt-test', messages: [{ role: 'user', content: 'hi' }] })
    expect(r.choices[0]!.message.content).toBe(WITH_TAGS)
  })
})
