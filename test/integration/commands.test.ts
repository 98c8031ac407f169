import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { CLIENT_KEY, setup } from './gateway-suite'

/**
 * In-chat commands end to end: the official SDKs → the Node gateway → the fake
 * upstream, which records what it got. A command-only message is answered by the
 * gateway in every front end, streaming and not; what commands set steers the
 * session's later requests; commands and their replies never reach the upstream.
 */
let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())

let sessions = 0
/** A gateway and SDK clients that all name one session (`x-session-id`). */
async function rig() {
  const t = await setup({ upstreamUrl: upstream.url, start: (env) => startGateway(env, '127.0.0.1', 0) })
  const sessionId = `commands-${Date.now().toString(36)}-${sessions++}`
  const headers = { 'x-session-id': sessionId }
  return {
    ...t,
    sessionId,
    openai: new OpenAI({ baseURL: `${t.gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0, defaultHeaders: headers }),
    anthropic: new Anthropic({ baseURL: `${t.gw.url}/anthropic`, apiKey: CLIENT_KEY, maxRetries: 0, defaultHeaders: headers }),
    gemini: new GoogleGenAI({ apiKey: CLIENT_KEY, httpOptions: { baseUrl: t.gw.url, headers } }),
  }
}
type Rig = Awaited<ReturnType<typeof rig>>

type Front = 'chat' | 'responses' | 'messages' | 'gemini'
const FRONTS: Front[] = ['chat', 'responses', 'messages', 'gemini']
const MODEL: Record<Front, string> = { chat: 'openai:gpt-test', responses: 'openai:gpt-test', messages: 'anthropic:claude-test', gemini: 'gemini:gemini-test' }

/** One user message through a front end's SDK; the answer's text as the SDK parsed it. */
async function say(r: Rig, front: Front, text: string, stream: boolean, model = MODEL[front]): Promise<string> {
  switch (front) {
    case 'chat': {
      const messages = [{ role: 'user' as const, content: text }]
      if (!stream) {
        const c = await r.openai.chat.completions.create({ model, messages })
        expect(c.choices[0]!.finish_reason).toBe('stop')
        expect(c.choices[0]!.message.role).toBe('assistant')
        return c.choices[0]!.message.content!
      }
      const c = await r.openai.chat.completions.stream({ model, messages }).finalChatCompletion()
      expect(c.choices[0]!.finish_reason).toBe('stop')
      return c.choices[0]!.message.content!
    }
    case 'responses': {
      const res = stream ? await r.openai.responses.stream({ model, input: text, store: false }).finalResponse() : await r.openai.responses.create({ model, input: text, store: false })
      expect(res.status).toBe('completed')
      return res.output_text
    }
    case 'messages': {
      const params = { model, max_tokens: 256, messages: [{ role: 'user' as const, content: text }] }
      const m = stream ? await r.anthropic.messages.stream(params).finalMessage() : await r.anthropic.messages.create(params)
      expect(m.stop_reason).toBe('end_turn')
      expect(m.role).toBe('assistant')
      return m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')
    }
    case 'gemini': {
      if (!stream) {
        const g = await r.gemini.models.generateContent({ model, contents: text })
        expect(g.candidates?.[0]?.finishReason).toBe('STOP')
        return g.text!
      }
      let out = ''
      let finish: string | undefined
      for await (const c of await r.gemini.models.generateContentStream({ model, contents: text })) {
        out += c.text ?? ''
        finish = c.candidates?.[0]?.finishReason ?? finish
      }
      expect(finish).toBe('STOP')
      return out
    }
  }
}

describe('a command-only message is answered by the gateway, with no upstream call', () => {
  for (const front of FRONTS)
    for (const stream of [false, true])
      it(`${front}, ${stream ? 'streaming' : 'not streaming'}: !/help`, async () => {
        const r = await rig()
        try {
          const text = await say(r, front, '!/help', stream)
          expect(text).toContain('!/model(backend:model)')
          expect(text).toContain('!/help(name) shows one with an example.')
          expect(await r.upstream()).toEqual([])
        } finally {
          await r.gw.close()
        }
      })

  it('an unknown command says so; a bad value says why; nothing goes upstream', async () => {
    const r = await rig()
    try {
      expect(await say(r, 'chat', '!/modle(anthropic:claude-test)', false)).toBe('Unknown command !/modle. Type !/help for the list.')
      expect(await say(r, 'messages', '!/temperature(7)', true)).toContain('must be a number from 0 to 2, got "7"')
      expect(await r.upstream()).toEqual([])
    } finally {
      await r.gw.close()
    }
  })
})

describe('session overrides across requests', () => {
  it('!/model sends the session’s later requests there, whatever model the client names, in every front end', async () => {
    const r = await rig()
    try {
      expect(await say(r, 'chat', '!/model(anthropic:claude-test)', false)).toContain('model = anthropic:claude-test')
      expect(await say(r, 'chat', 'hi', false)).toBe('Hello from anthropic!')
      expect(await say(r, 'gemini', 'hi', true)).toBe('Hello from anthropic!')
      expect(await say(r, 'responses', 'hi', true)).toBe('Hello from anthropic!')
      const reqs = await r.upstream()
      expect(reqs.map((q) => [q.path, q.body.model])).toEqual([
        ['/v1/messages', 'claude-test'],
        ['/v1/messages', 'claude-test'],
        ['/v1/messages', 'claude-test'],
      ])
      // x-gateway-route says where it went and why.
      const res = await r.raw('/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', 'x-session-id': r.sessionId },
        body: JSON.stringify({ model: 'openai:gpt-test', messages: [{ role: 'user', content: 'hi' }] }),
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-gateway-route')).toMatch(/^anthropic:claude-test; .*via=session$/)
      await res.text()
      // The model can be unset again.
      await say(r, 'chat', '!/model()', false)
      expect(await say(r, 'chat', 'hi', false)).toBe('Hello from openai!')
    } finally {
      await r.gw.close()
    }
  })

  it('!/oneoff affects only the next request', async () => {
    const r = await rig()
    try {
      await say(r, 'messages', '!/oneoff(openai:gpt-oneoff)', false)
      expect(await say(r, 'messages', 'first', true)).toBe('Hello from openai!')
      expect(await say(r, 'messages', 'second', true)).toBe('Hello from anthropic!')
      const reqs = await r.upstream()
      expect(reqs.map((q) => [q.path, q.body.model])).toEqual([
        ['/v1/chat/completions', 'gpt-oneoff'],
        ['/v1/messages', 'claude-test'],
      ])
    } finally {
      await r.gw.close()
    }
  })

  it('!/set values reach the upstream request; another session is untouched', async () => {
    const r = await rig()
    try {
      await say(r, 'chat', '!/set(temperature=0.25, max-tokens=99)', false)
      await say(r, 'chat', 'hi', true)
      const other = new OpenAI({ baseURL: `${r.gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0, defaultHeaders: { 'x-session-id': 'another-session' } })
      await other.chat.completions.create({ model: MODEL.chat, messages: [{ role: 'user', content: 'hi' }] })
      const [mine, theirs] = await r.upstream()
      expect(mine.body).toMatchObject({ temperature: 0.25, max_tokens: 99 })
      expect(theirs.body.temperature).toBeUndefined()
      expect(theirs.body.max_tokens).toBeUndefined()
    } finally {
      await r.gw.close()
    }
  })

  it('a command at the end of a message runs and the rest goes upstream at once', async () => {
    const r = await rig()
    try {
      expect(await say(r, 'chat', 'Say hello !/model(anthropic:claude-test)', false)).toBe('Hello from anthropic!')
      const [req] = await r.upstream()
      expect(req.path).toBe('/v1/messages')
      expect(JSON.stringify(req.body.messages)).not.toContain('!/')
      expect(JSON.stringify(req.body.messages)).toContain('Say hello')
    } finally {
      await r.gw.close()
    }
  })
})

describe('commands and their replies never reach an upstream in later history', () => {
  it('OpenAI Chat: the history a client sends back is scrubbed', async () => {
    const r = await rig()
    try {
      const history: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: '!/temperature(0.5)' }]
      const reply1 = (await r.openai.chat.completions.create({ model: MODEL.chat, messages: history })).choices[0]!.message.content!
      history.push({ role: 'assistant', content: reply1 }, { role: 'user', content: 'write a poem !/set(max-tokens=77)' })
      const reply2 = (await r.openai.chat.completions.create({ model: MODEL.chat, messages: history })).choices[0]!.message.content!
      history.push({ role: 'assistant', content: reply2 }, { role: 'user', content: 'another' })
      await r.openai.chat.completions.stream({ model: MODEL.chat, messages: history }).finalChatCompletion()
      const reqs = await r.upstream()
      expect(reqs).toHaveLength(2)
      expect(reqs[0].body.messages).toEqual([{ role: 'user', content: 'write a poem' }])
      expect(reqs[1].body.messages).toEqual([
        { role: 'user', content: 'write a poem' },
        { role: 'assistant', content: 'Hello from openai!' },
        { role: 'user', content: 'another' },
      ])
      for (const q of reqs) expect(q.body).toMatchObject({ temperature: 0.5, max_tokens: 77 })
    } finally {
      await r.gw.close()
    }
  })

  it('Anthropic: the same, streaming', async () => {
    const r = await rig()
    try {
      const history: Anthropic.MessageParam[] = [{ role: 'user', content: '!/hello' }]
      const ask = async () => (await r.anthropic.messages.stream({ model: MODEL.messages, max_tokens: 256, messages: history }).finalMessage()).content
      history.push({ role: 'assistant', content: await ask() }, { role: 'user', content: [{ type: 'text', text: 'hi there' }] })
      history.push({ role: 'assistant', content: await ask() }, { role: 'user', content: 'and? !/session' })
      await ask()
      const reqs = await r.upstream()
      expect(reqs).toHaveLength(2)
      const all = JSON.stringify(reqs.map((q) => q.body))
      expect(all).not.toContain('!/')
      expect(all).not.toContain('LLM API gateway')
      expect(reqs[1].body.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'user'])
    } finally {
      await r.gw.close()
    }
  })

  it('Gemini and Responses: the same', async () => {
    const r = await rig()
    try {
      const first = await r.gemini.models.generateContent({ model: MODEL.gemini, contents: '!/low' })
      await r.gemini.models.generateContent({
        model: MODEL.gemini,
        contents: [
          { role: 'user', parts: [{ text: '!/low' }] },
          { role: 'model', parts: [{ text: first.text! }] },
          { role: 'user', parts: [{ text: 'hi' }] },
        ],
      })
      await r.openai.responses.create({
        model: MODEL.responses,
        store: false,
        input: [
          { role: 'user', content: '!/no-think' },
          { role: 'assistant', content: 'Set for this session: reasoning-effort = none.' },
          { role: 'user', content: 'hi' },
        ],
      })
      const reqs = await r.upstream()
      expect(reqs).toHaveLength(2)
      expect(reqs[0].body.contents).toEqual([{ role: 'user', parts: [{ text: 'hi' }] }])
      // The Responses front end's request went to the openai back end (Chat Completions).
      expect(reqs[1].body.messages).toEqual([{ role: 'user', content: 'hi' }])
    } finally {
      await r.gw.close()
    }
  })
})
