import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { listClientRequests, readClientRequest } from '../helpers/fixtures'
import { parseSseText } from '../helpers/streams'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { CLIENT_KEY, setup, UPSTREAM_KEYS } from './gateway-suite'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())
const target = () => ({ upstreamUrl: upstream.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) })
const auth = { authorization: `Bearer ${CLIENT_KEY}` }

describe('model lists and health', () => {
  it('GET /v1/models lists configured back ends as backend:model in OpenAI’s shape', async () => {
    const t = await setup(target(), { OPENAI_MODELS: 'gpt-a,gpt-b' })
    try {
      const list = await t.openai.models.list()
      const ids = list.data.map((m) => m.id)
      expect(ids).toEqual(expect.arrayContaining(['openai:gpt-a', 'openai:gpt-b']))
      expect(ids.some((id) => id.startsWith('anthropic:claude'))).toBe(true)
      expect(ids.some((id) => id.startsWith('groq:'))).toBe(false) // not configured
    } finally {
      await t.gw.close()
    }
  })

  it('GET /anthropic/v1/models answers in Anthropic’s shape', async () => {
    const t = await setup(target(), { ANTHROPIC_MODELS: 'claude-x' })
    try {
      const page = await t.anthropic.models.list()
      const ids = page.data.map((m) => m.id)
      expect(ids).toContain('anthropic:claude-x')
      expect(page.data[0]).toMatchObject({ type: 'model', display_name: expect.any(String), created_at: expect.any(String) })
    } finally {
      await t.gw.close()
    }
  })
})

describe('count_tokens', () => {
  it('forwards to an Anthropic back end, with the upstream model and key', async () => {
    const t = await setup(target())
    try {
      const r = await t.anthropic.messages.countTokens({ model: 'anthropic:claude-test', messages: [{ role: 'user', content: 'hi' }] })
      expect(r.input_tokens).toBe(42)
      const [req] = await t.upstream()
      expect(req.path).toBe('/v1/messages/count_tokens')
      expect(req.body.model).toBe('claude-test')
      expect(req.headers['x-api-key']).toBe(UPSTREAM_KEYS.anthropic)
    } finally {
      await t.gw.close()
    }
  })

  it('estimates for a non-Anthropic model and sends nothing upstream', async () => {
    const t = await setup(target())
    try {
      const text = 'word '.repeat(400)
      const res = await t.raw('/anthropic/v1/messages/count_tokens', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai:gpt-test', messages: [{ role: 'user', content: text }] }),
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-gateway-estimate')).toBe('true')
      const { input_tokens } = await res.json()
      expect(input_tokens).toBeGreaterThan(300)
      expect(input_tokens).toBeLessThan(800)
      expect(await t.upstream()).toHaveLength(0)
    } finally {
      await t.gw.close()
    }
  })
})

describe('routing', () => {
  it('a bare model goes to the back end that lists it, else to DEFAULT_BACKEND with its model', async () => {
    const t = await setup(target(), { DEFAULT_BACKEND: 'openai:gpt-default' })
    try {
      await t.openai.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] })
      await t.openai.chat.completions.create({ model: 'some-unlisted-model', messages: [{ role: 'user', content: 'hi' }] })
      const [a, b] = await t.upstream()
      expect(a.path).toBe('/v1/messages')
      expect(a.body.model).toBe('claude-sonnet-4-5')
      expect(b.path).toBe('/v1/chat/completions')
      expect(b.body.model).toBe('gpt-default')
    } finally {
      await t.gw.close()
    }
  })
})

describe('real clients', () => {
  for (const file of listClientRequests('claude')) {
    it(`Claude Code ${file} → OpenAI-compatible upstream, streamed back as Anthropic events`, async () => {
      // no Anthropic key: Claude Code's own model names fall through to DEFAULT_BACKEND
      const t = await setup(target(), { DEFAULT_BACKEND: 'openai:gpt-test', ANTHROPIC_API_KEY: '' })
      try {
        const captured = readClientRequest('claude', file)
        const headers: Record<string, string> = { ...captured.headers, 'x-api-key': CLIENT_KEY }
        delete headers['content-length']
        delete headers['host']
        delete headers['accept-encoding']
        const res = await t.raw(captured.path, { method: 'POST', headers, body: JSON.stringify(captured.body) })
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toContain('text/event-stream')
        const events = parseSseText(await res.text())
        expect(events[0]!.event).toBe('message_start')
        expect(events.at(-1)!.event).toBe('message_stop')
        const delta = events.find((e) => e.event === 'message_delta')!
        expect(JSON.parse(delta.data).usage.output_tokens).toBe(9)

        const [req] = await t.upstream()
        expect(req.path).toBe('/v1/chat/completions')
        expect(req.body.model).toBe('gpt-test')
        expect(req.body.stream_options).toEqual({ include_usage: true })
        // the system prompt blocks became one leading system message
        expect(req.body.messages[0].role).toBe('system')
        expect(req.body.messages[0].content).toContain('You are a Claude agent')
        // every tool made it, as a function tool with its schema
        expect(req.body.tools.map((x: any) => x.function.name)).toEqual(captured.body.tools.map((x: any) => x.name))
        // tool_result blocks became tool messages answering the assistant's call
        const calls = req.body.messages.flatMap((m: any) => m.tool_calls ?? [])
        const results = req.body.messages.filter((m: any) => m.role === 'tool')
        expect(results.map((m: any) => m.tool_call_id)).toEqual(calls.map((c: any) => c.id))
        expect(JSON.stringify(req.body)).not.toContain('cache_control')
        expect(JSON.stringify(req.headers)).not.toContain(CLIENT_KEY)
      } finally {
        await t.gw.close()
      }
    })

    it(`Claude Code ${file} → Anthropic upstream passes through faithfully, headers and query included`, async () => {
      const t = await setup(target(), { DEFAULT_BACKEND: 'anthropic' })
      try {
        const captured = readClientRequest('claude', file)
        const headers: Record<string, string> = { ...captured.headers, 'x-api-key': CLIENT_KEY }
        delete headers['content-length']
        delete headers['host']
        delete headers['accept-encoding']
        const res = await t.raw(captured.path, { method: 'POST', headers, body: JSON.stringify(captured.body) })
        expect(res.status).toBe(200)
        await res.text()
        const [req] = await t.upstream()
        expect(req.path).toBe('/v1/messages?beta=true')
        // Everything as Claude Code sent it, but its own session id: the upstream sees the gateway's.
        const session = res.headers.get('x-b2bua-session-id')
        expect(session).toMatch(/^s_[0-9a-f]{16}$/)
        expect(req.body).toEqual({ ...captured.body, metadata: { ...captured.body.metadata, user_id: session } })
        expect(req.headers['anthropic-beta']).toBe(captured.headers['anthropic-beta'])
        expect(req.headers['anthropic-version']).toBe(captured.headers['anthropic-version'])
        expect(req.headers['x-api-key']).toBe(UPSTREAM_KEYS.anthropic)
        expect(req.headers['user-agent']).toBe(captured.headers['user-agent'])
      } finally {
        await t.gw.close()
      }
    })
  }

  for (const file of listClientRequests('opencode-chat-completions')) {
    it(`opencode ${file} → Anthropic upstream, streamed back as Chat Completions chunks`, async () => {
      // no OpenAI key: opencode's gpt-4o falls through to DEFAULT_BACKEND
      const t = await setup(target(), { DEFAULT_BACKEND: 'anthropic:claude-test', OPENAI_API_KEY: '' })
      try {
        const captured = readClientRequest('opencode-chat-completions', file)
        const res = await t.raw('/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth },
          body: JSON.stringify(captured.body),
        })
        expect(res.status).toBe(200)
        const events = parseSseText(await res.text())
        expect(events.at(-1)!.data).toBe('[DONE]')
        const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data))
        expect(chunks[0].choices[0].delta.role).toBe('assistant')
        expect(chunks.at(-1).choices).toEqual([]) // include_usage was asked for
        expect(chunks.at(-1).usage.prompt_tokens).toBe(20)

        const [req] = await t.upstream()
        expect(req.path).toBe('/v1/messages')
        expect(req.body.model).toBe('claude-test')
        expect(req.body.max_tokens).toBe(captured.body.max_tokens)
        const sys = captured.body.messages.filter((m: any) => m.role === 'system').map((m: any) => m.content).join('')
        expect(JSON.stringify(req.body.system)).toContain(JSON.stringify(sys.slice(0, 40)).slice(1, -1))
        expect(req.body.tools?.length ?? 0).toBe(captured.body.tools?.length ?? 0)
        const results = req.body.messages.flatMap((m: any) => (Array.isArray(m.content) ? m.content : [])).filter((b: any) => b.type === 'tool_result')
        const toolMsgs = captured.body.messages.filter((m: any) => m.role === 'tool')
        expect(results.map((r: any) => r.tool_use_id)).toEqual(toolMsgs.map((m: any) => m.tool_call_id))
      } finally {
        await t.gw.close()
      }
    })
  }
})
