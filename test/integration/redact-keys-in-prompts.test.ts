/**
 * Key redaction in prompts, end to end: a configured upstream key (and the
 * client's own key) pasted into a user message, a tool result or tool call
 * arguments never reaches the upstream; the fake upstream's record shows the
 * marker instead. Official SDKs, streaming and not, pass-through and translated.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { KEY_REDACTED } from '../../src/interceptors/redact-keys-in-prompts'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { CLIENT_KEY, setup, UPSTREAM_KEYS } from './gateway-suite'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())

const target = () => ({ upstreamUrl: upstream.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) })

/** The whole body the upstream got, as text. */
const sent = async (t: Awaited<ReturnType<typeof setup>>) => {
  const log = await t.upstream()
  expect(log).toHaveLength(1)
  return JSON.stringify(log[0].body)
}

describe('redact-keys-in-prompts end to end', () => {
  for (const stream of [false, true]) {
    it(`OpenAI SDK → openai (pass-through otherwise)${stream ? ', streaming' : ''}: the pasted upstream key is replaced`, async () => {
      const t = await setup(target())
      try {
        const params = { model: 'openai:gpt-test', messages: [{ role: 'user' as const, content: `Why does ${UPSTREAM_KEYS.openai} fail? My gateway key is ${CLIENT_KEY}.` }] }
        let text: string
        if (stream) {
          let out = ''
          for await (const c of await t.openai.chat.completions.create({ ...params, stream: true })) out += c.choices[0]?.delta.content ?? ''
          text = out
        } else text = (await t.openai.chat.completions.create(params)).choices[0]!.message.content!
        expect(text).toBe('Hello from openai!')
        const body = await sent(t)
        expect(body).not.toContain(UPSTREAM_KEYS.openai)
        expect(body).not.toContain(CLIENT_KEY)
        expect(body).toContain(`Why does ${KEY_REDACTED} fail? My gateway key is ${KEY_REDACTED}.`)
      } finally {
        await t.gw.close()
      }
    })

    it(`Anthropic SDK → gemini (translated)${stream ? ', streaming' : ''}: tool results and tool call arguments too`, async () => {
      const t = await setup(target())
      try {
        const params: Anthropic.MessageCreateParamsNonStreaming = {
          model: 'gemini:gemini-test',
          max_tokens: 100,
          messages: [
            { role: 'user', content: 'show me the env' },
            { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: `curl -H 'x-api-key: ${UPSTREAM_KEYS.anthropic}' …` } }] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: `ANTHROPIC_API_KEY=${UPSTREAM_KEYS.anthropic}` }] },
          ],
          tools: [{ name: 'bash', description: 'run', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
        }
        if (stream) await t.anthropic.messages.stream(params).finalMessage()
        else await t.anthropic.messages.create(params)
        const body = await sent(t)
        expect(body).not.toContain(UPSTREAM_KEYS.anthropic)
        expect(body).toContain(`ANTHROPIC_API_KEY=${KEY_REDACTED}`)
        expect(body).toContain(`x-api-key: ${KEY_REDACTED}`)
      } finally {
        await t.gw.close()
      }
    })
  }

  it('a finished answer says so in x-gateway-warnings (never the key); no key, no warning and the request goes as sent', async () => {
    const t = await setup(target())
    try {
      const post = (content: string) =>
        t.raw('/v1/chat/completions', {
          method: 'POST',
          headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'openai:gpt-test', messages: [{ role: 'user', content }] }),
        })
      const res = await post(`key: ${UPSTREAM_KEYS.gemini}`)
      expect(res.status).toBe(200)
      const warnings = res.headers.get('x-gateway-warnings') ?? ''
      expect(warnings).toContain('API key')
      expect(warnings).not.toContain(UPSTREAM_KEYS.gemini)
      await res.text()

      const clean = await post('nothing secret here')
      expect(clean.headers.get('x-gateway-warnings') ?? '').not.toContain('API key')
      await clean.text()
      const log = await t.upstream()
      expect(log[1].body.messages).toEqual([{ role: 'user', content: 'nothing secret here' }])
    } finally {
      await t.gw.close()
    }
  })

  it('REDACT_API_KEYS_IN_PROMPTS=off sends the text as written', async () => {
    const t = await setup(target(), { REDACT_API_KEYS_IN_PROMPTS: 'off' })
    try {
      await t.openai.chat.completions.create({ model: 'openai:gpt-test', messages: [{ role: 'user', content: `k ${UPSTREAM_KEYS.openai}` }] })
      expect(await sent(t)).toContain(`k ${UPSTREAM_KEYS.openai}`)
    } finally {
      await t.gw.close()
    }
  })
})
