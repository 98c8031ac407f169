import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, OPENAI_KEYS, rig } from './resilience-harness'
import { SCRIPTED_USAGE, startScriptedUpstream, type ScriptedUpstream } from './scripted-upstream'

/**
 * Usage after a mixed run (rotation, failover, a client error, several front
 * ends, streaming and not): `/v1/usage?group_by=backend` equals what the
 * scripted upstream reported for each answer that served a request.
 */
let up: ScriptedUpstream
beforeAll(async () => {
  up = await startScriptedUpstream()
})
afterAll(() => up.close())

const drain = async (res: Response) => {
  const text = await res.text()
  return { status: res.status, text }
}

describe('usage after a mixed run', () => {
  it('group_by=backend totals are the upstream usage times the requests each back end served', async () => {
    const r = await rig(up, { CIRCUIT_FAILURES: '1000' })
    try {
      up.script(
        [
          { key: OPENAI_KEYS[0], model: 'gpt-4o', action: { do: 'status', status: 429, retryAfter: 30 } },
          { model: 'gpt-4.1', action: { do: 'status', status: 500 } },
          { model: 'gpt-bad', action: { do: 'status', status: 400, message: 'Unknown parameter.' } },
        ],
        r.scope,
      )
      const chain = 'openai:gpt-4.1|anthropic:claude-sonnet-4-5'
      const results = [
        // OpenAI served (one of them after the first key's 429): 3.
        await drain(await r.post('/v1/chat/completions', chat('openai:gpt-4o', 'one'))),
        await drain(await r.post('/v1/chat/completions', chat('openai:gpt-4o', 'two', { stream: true, stream_options: { include_usage: true } }))),
        await drain(await r.post('/v1/messages', { model: 'openai:gpt-4o', max_tokens: 20, messages: [{ role: 'user', content: 'three' }] })),
        // Failed over to Anthropic: 4.
        await drain(await r.post('/v1/chat/completions', chat(chain, 'four'))),
        await drain(await r.post('/v1/chat/completions', chat(chain, 'five', { stream: true, stream_options: { include_usage: true } }))),
        await drain(await r.post('/v1/messages', { model: chain, max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'six' }] })),
        await drain(await r.post('/v1/responses', { model: chain, input: 'seven', store: false })),
        // Gemini: 2.
        await drain(await r.post('/v1beta/models/gemini:gemini-2.5-flash:generateContent', { contents: [{ role: 'user', parts: [{ text: 'eight' }] }] })),
        await drain(await r.post('/v1beta/models/gemini:gemini-2.5-flash:streamGenerateContent?alt=sse', { contents: [{ role: 'user', parts: [{ text: 'nine' }] }] })),
        // The client's own error: counted as an error, no tokens.
        await drain(await r.post('/v1/chat/completions', chat('openai:gpt-bad', 'ten'))),
      ]
      expect(results.map((x) => x.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 400])
      const log = up.requests(r.scope)
      expect(log.filter((q) => q.action === 'status 429').length).toBeLessThanOrEqual(1)
      expect(log.filter((q) => q.model === 'gpt-4.1')).toHaveLength(4)

      const res = await r.get('/v1/usage?group_by=backend')
      expect(res.status).toBe(200)
      const rows = ((await res.json()) as any).data as any[]
      const row = (g: string) => rows.find((x) => x.group === g)
      const times = (n: number) => ({
        input_tokens: SCRIPTED_USAGE.input * n,
        output_tokens: SCRIPTED_USAGE.output * n,
        cached_input_tokens: SCRIPTED_USAGE.cached * n,
      })
      expect(row('openai')).toMatchObject({ requests: 4, errors: 1, ...times(3) })
      expect(row('anthropic')).toMatchObject({ requests: 4, errors: 0, ...times(4) })
      expect(row('gemini')).toMatchObject({ requests: 2, errors: 0, ...times(2) })
      expect(rows.map((x) => x.group).sort()).toEqual(['anthropic', 'gemini', 'openai'])
    } finally {
      await r.gw.close()
    }
  })
})
