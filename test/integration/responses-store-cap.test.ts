import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { CLIENT_KEY, setup } from './gateway-suite'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())
const target = () => ({ upstreamUrl: upstream.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) })

describe('RESPONSES_STORE_MAX_BYTES', () => {
  it('a response bigger than the whole store is not stored, and the client is told', async () => {
    const t = await setup(target(), { RESPONSES_STORE_MAX_BYTES: '200' })
    try {
      for (const model of ['anthropic:claude-test', 'openai-responses:gpt-test']) {
        const res = await t.raw('/v1/responses', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
          body: JSON.stringify({ model, input: 'Say hello' }),
        })
        expect(res.status).toBe(200)
        expect(res.headers.get('x-gateway-warnings')).toMatch(/response not stored: \d+ bytes is more than RESPONSES_STORE_MAX_BYTES \(200\)/)
        const { id } = await res.json()
        await expect(t.openai.responses.retrieve(id)).rejects.toMatchObject({ status: 404 })
      }
    } finally {
      await t.gw.close()
    }
  })

  it('under the cap, responses are stored as before, the oldest going first', async () => {
    const t = await setup(target(), { RESPONSES_STORE_MAX_BYTES: '3000' })
    try {
      const ids: string[] = []
      for (let i = 0; i < 6; i++) ids.push((await t.openai.responses.create({ model: 'anthropic:claude-test', input: 'Say hello' })).id)
      expect((await t.openai.responses.retrieve(ids[5]!)).id).toBe(ids[5])
      await expect(t.openai.responses.retrieve(ids[0]!)).rejects.toMatchObject({ status: 404 })
    } finally {
      await t.gw.close()
    }
  })
})
