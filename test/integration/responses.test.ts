import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { listClientRequests, readClientRequest } from '../helpers/fixtures'
import { parseSseText } from '../helpers/streams'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { CLIENT_KEY, setup } from './gateway-suite'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())
const target = () => ({ upstreamUrl: upstream.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) })

describe('OpenAI Responses: stored responses and previous_response_id', () => {
  for (const backend of ['anthropic:claude-test', 'gemini:gemini-test', 'openai:gpt-test']) {
    it(`a follow-up turn through ${backend.split(':')[0]} carries the whole conversation`, async () => {
      const t = await setup(target())
      try {
        const first = await t.openai.responses.create({ model: backend, instructions: 'Be brief.', input: 'Say hello' })
        expect(first.id).toMatch(/^resp_/)
        const second = await t.openai.responses.create({ model: backend, previous_response_id: first.id, input: 'And again?' })
        expect(second.id).not.toBe(first.id)

        const reqs = await t.upstream()
        expect(reqs).toHaveLength(2)
        const sent = JSON.stringify(reqs[1].body)
        // the first turn's question and answer came back, then the new input
        expect(sent).toContain('Say hello')
        expect(sent).toContain(first.output_text)
        expect(sent.indexOf('Say hello')).toBeLessThan(sent.indexOf('And again?'))

        const fetched = await t.openai.responses.retrieve(first.id)
        expect(fetched.id).toBe(first.id)
        expect(fetched.output_text).toBe(first.output_text)
      } finally {
        await t.gw.close()
      }
    })
  }

  it('a streamed response is stored once it has finished', async () => {
    const t = await setup(target())
    try {
      const first = await t.openai.responses.stream({ model: 'anthropic:claude-test', input: 'Say hello' }).finalResponse()
      const fetched = await t.openai.responses.retrieve(first.id)
      expect(fetched.output_text).toBe('Hello from anthropic!')
      await t.openai.responses.create({ model: 'anthropic:claude-test', previous_response_id: first.id, input: 'more' })
      const reqs = await t.upstream()
      expect(JSON.stringify(reqs[1].body.messages)).toContain('Hello from anthropic!')
    } finally {
      await t.gw.close()
    }
  })

  it('store: false keeps nothing; an unknown previous id is a 400 for a non-OpenAI back end; DELETE removes', async () => {
    const t = await setup(target())
    try {
      const unstored = await t.openai.responses.create({ model: 'anthropic:claude-test', input: 'hi', store: false })
      await expect(t.openai.responses.retrieve(unstored.id)).rejects.toMatchObject({ status: 404 })
      await expect(
        t.openai.responses.create({ model: 'anthropic:claude-test', previous_response_id: 'resp_nope', input: 'x' }),
      ).rejects.toMatchObject({ status: 400 })
      const kept = await t.openai.responses.create({ model: 'anthropic:claude-test', input: 'hi' })
      await t.openai.responses.delete(kept.id)
      await expect(t.openai.responses.retrieve(kept.id)).rejects.toMatchObject({ status: 404 })
    } finally {
      await t.gw.close()
    }
  })
})

describe('Codex CLI', () => {
  for (const file of listClientRequests('codex')) {
    for (const backend of ['anthropic:claude-test', 'openai:gpt-test', 'gemini:gemini-test']) {
      it(`${file} works through ${backend.split(':')[0]}: streamed back as Responses events`, async () => {
        const t = await setup(target())
        try {
          const captured = readClientRequest('codex', file)
          const res = await t.raw('/v1/responses', {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
            body: JSON.stringify({ ...captured.body, model: backend }),
          })
          expect(res.status).toBe(200)
          const warnings = res.headers.get('x-gateway-warnings') ?? ''
          expect(warnings).toContain('web_search')
          const events = parseSseText(await res.text())
          expect(events[0]!.event).toBe('response.created')
          expect(events.at(-1)!.event).toBe('response.completed')
          const [req] = await t.upstream()
          const body = JSON.stringify(req.body)
          // Codex's function tools made it; apply_patch (a custom tool) became a function with one string argument
          expect(body).toContain('exec_command')
          expect(body).toContain('apply_patch')
          expect(body).not.toContain('"tool_search"')
          // the shell call and its output, linked by id, when the fixture has them
          const call = captured.body.input.find((i: any) => i.type === 'function_call')
          if (call) expect(body.split(call.call_id).length).toBeGreaterThanOrEqual(3)
        } finally {
          await t.gw.close()
        }
      })
    }
  }

  it('to an OpenAI Responses back end, Codex passes through unchanged', async () => {
    const t = await setup(target())
    try {
      const captured = readClientRequest('codex', '02-v1-responses.json')
      const res = await t.raw('/v1/responses', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
        body: JSON.stringify({ ...captured.body, model: 'openai-responses:gpt-5.5' }),
      })
      expect(res.status).toBe(200)
      await res.text()
      const [req] = await t.upstream()
      expect(req.path).toBe('/v1/responses')
      // Codex's prompt_cache_key is its session id: the upstream gets the gateway's (stable per session, so caching still works).
      const session = res.headers.get('x-b2bua-session-id')
      expect(session).toMatch(/^s_[0-9a-f]{16}$/)
      expect(req.body).toEqual({ ...captured.body, model: 'gpt-5.5', prompt_cache_key: session })
    } finally {
      await t.gw.close()
    }
  })
})

describe('Responses input token count', () => {
  it('estimates for a non-OpenAI back end', async () => {
    const t = await setup(target())
    try {
      const res = await t.raw('/v1/responses/input_tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
        body: JSON.stringify({ model: 'anthropic:claude-test', input: 'word '.repeat(400) }),
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-gateway-estimate')).toBe('true')
      const body = await res.json()
      expect(body.object).toBe('response.input_tokens')
      expect(body.input_tokens).toBeGreaterThan(300)
      expect(await t.upstream()).toHaveLength(0)
    } finally {
      await t.gw.close()
    }
  })
})
