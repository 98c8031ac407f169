import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { setup, type Setup } from './gateway-suite'

/**
 * Translated responses carry ids in the client's own style, whatever the upstream
 * used (the fake answers `chatcmpl-fake`, `msg_fake`, `gem-fake`, `resp_fake`);
 * tool-call ids pass unchanged, since clients echo them back.
 */
let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())
const target = () => ({ upstreamUrl: upstream.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) })

async function withGateway(fn: (t: Setup) => Promise<void>) {
  const t = await setup(target())
  try {
    await fn(t)
  } finally {
    await t.gw.close()
  }
}

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Weather',
  parameters: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
}

describe('an OpenAI Chat client gets chatcmpl- ids', () => {
  for (const model of ['anthropic:claude-test', 'gemini:gemini-test'])
    for (const stream of [false, true])
      it(`from ${model}, ${stream ? 'streaming' : 'JSON'}; the tool-call id is the upstream's`, async () =>
        withGateway(async (t) => {
          const params = {
            model,
            messages: [{ role: 'user' as const, content: 'weather in Paris?' }],
            tools: [{ type: 'function' as const, function: WEATHER_TOOL }],
          }
          let id: string
          let callId: string | undefined
          if (stream) {
            const ids = new Set<string>()
            for await (const chunk of await t.openai.chat.completions.create({ ...params, stream: true })) {
              ids.add(chunk.id)
              callId ??= chunk.choices[0]?.delta.tool_calls?.[0]?.id
            }
            expect(ids.size).toBe(1)
            id = [...ids][0]!
          } else {
            const r = await t.openai.chat.completions.create(params)
            id = r.id
            callId = r.choices[0]!.message.tool_calls?.[0]?.id
          }
          expect(id).toMatch(/^chatcmpl-[0-9a-f]{24}$/)
          if (model.startsWith('anthropic')) expect(callId).toBe('toolu_fake0')
          else expect(callId).toMatch(/^call_/)
        }))
})

describe('an Anthropic client gets msg_ ids', () => {
  for (const model of ['openai:gpt-test', 'gemini:gemini-test'])
    for (const stream of [false, true])
      it(`from ${model}, ${stream ? 'streaming' : 'JSON'}`, async () =>
        withGateway(async (t) => {
          const params = {
            model,
            max_tokens: 100,
            messages: [{ role: 'user' as const, content: 'weather in Paris?' }],
            tools: [{ name: WEATHER_TOOL.name, description: WEATHER_TOOL.description, input_schema: WEATHER_TOOL.parameters }],
          }
          const msg = stream ? await t.anthropic.messages.stream(params).finalMessage() : await t.anthropic.messages.create(params)
          expect(msg.id).toMatch(/^msg_[0-9a-f]{24}$/)
          const call = msg.content.find((b) => b.type === 'tool_use')
          if (model.startsWith('openai')) expect(call).toMatchObject({ id: 'call_fake0' })
          else expect(call?.id).toMatch(/^call_/)
        }))

  it('an upstream msg_ id of its own family is kept (Anthropic → Anthropic with a selector parameter re-encodes)', async () =>
    withGateway(async (t) => {
      const msg = await t.anthropic.messages.create({
        model: 'anthropic:claude-test?temperature=0.2',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hi' }],
      })
      expect(msg.id).toBe('msg_fake')
    }))
})

describe('a Responses client gets resp_ ids and OpenAI item ids', () => {
  for (const model of ['anthropic:claude-test', 'gemini:gemini-test'])
    for (const stream of [false, true])
      it(`from ${model}, ${stream ? 'streaming' : 'JSON'}`, async () =>
        withGateway(async (t) => {
          const body = { model, input: 'weather in Paris?', tools: [{ type: 'function' as const, strict: false, ...WEATHER_TOOL }] }
          const r = stream ? await t.openai.responses.stream(body).finalResponse() : await t.openai.responses.create(body)
          expect(r.id).toMatch(/^resp_/)
          const call = r.output.find((i) => i.type === 'function_call')
          expect(call?.id).toMatch(/^fc_/)
          if (model.startsWith('anthropic')) expect(call).toMatchObject({ call_id: 'toolu_fake0' })
          const text = await t.openai.responses.create({ model, input: 'hi' })
          expect(text.output[0]).toMatchObject({ type: 'message', id: expect.stringMatching(/^msg_/) })
        }))
})

describe('a Gemini client', () => {
  it('gets a responseId from an Anthropic upstream (any string will do for Gemini)', async () =>
    withGateway(async (t) => {
      const r = await t.gemini.models.generateContent({ model: 'anthropic:claude-test', contents: 'hi' })
      expect(r.responseId).toEqual(expect.any(String))
      expect(r.text).toBe('Hello from anthropic!')
    }))
})
