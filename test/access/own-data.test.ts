import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { startFakeUpstream, type FakeUpstream } from '../integration/fake-upstream'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())

describe('a client sees only its own stored responses', () => {
  it('another client cannot read, continue or delete them; their owner can', async () => {
    const app = createApp({
      env: { LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0', PROXY_API_KEYS: 'key-a,key-b', OPENAI_API_KEY: 'sk-up', OPENAI_BASE_URL: `${upstream.url}/t/own-data/v1` },
    })
    const as = (key: string, path: string, init: RequestInit = {}) =>
      app.fetch(new Request(`http://127.0.0.1${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } }))
    const created = await as('key-a', '/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'openai:gpt-test', input: 'hi' }) })
    expect(created.status).toBe(200)
    const id = ((await created.json()) as { id: string }).id

    expect((await as('key-b', `/v1/responses/${id}`)).status).toBe(404)
    const follow = await as('key-b', '/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'openai:gpt-test', input: 'more', previous_response_id: id }) })
    expect(follow.status).toBe(400)
    expect(((await follow.json()) as any).error.param).toBe('previous_response_id')
    expect((await as('key-b', `/v1/responses/${id}`, { method: 'DELETE' })).status).toBe(404)

    expect((await as('key-a', `/v1/responses/${id}`)).status).toBe(200)
    const own = await as('key-a', '/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'openai:gpt-test', input: 'more', previous_response_id: id }) })
    expect(own.status).toBe(200)
    expect((await as('key-a', `/v1/responses/${id}`, { method: 'DELETE' })).status).toBe(200)
  })
})
