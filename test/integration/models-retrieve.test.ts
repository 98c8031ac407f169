import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { CLIENT_KEY, setup } from './gateway-suite'

/** `models.retrieve` of each official SDK, for ids with `/` and `:` in them. */
let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())
const target = () => ({ upstreamUrl: upstream.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) })

// An OpenAI-compatible back end whose model ids contain `/`, and one whose ids contain `:`.
const EXTRA = {
  OPENAI_MODELS: 'gpt-a',
  LLM_PROXY_ENDPOINT_ROUTER_URL: 'http://127.0.0.1:9/v1',
  LLM_PROXY_ENDPOINT_ROUTER_MODELS: 'qwen/qwen3-coder',
  LLM_PROXY_ENDPOINT_LOCAL_URL: 'http://127.0.0.1:9/v1',
  LLM_PROXY_ENDPOINT_LOCAL_MODELS: 'llama3:8b',
  MODEL_LIST_TIMEOUT_MS: '200',
}

describe('GET /v1/models/{id} for the OpenAI SDK', () => {
  it('answers a listed model in OpenAI’s shape, `/` and `:` included', async () => {
    const t = await setup(target(), EXTRA)
    try {
      for (const id of ['openai:gpt-a', 'router:qwen/qwen3-coder', 'local:llama3:8b']) {
        const model = await t.openai.models.retrieve(id)
        expect(model).toMatchObject({ id, object: 'model', owned_by: id.split(':')[0], created: expect.any(Number) })
      }
    } finally {
      await t.gw.close()
    }
  })

  it('a model no back end lists is a 404 in OpenAI’s error shape', async () => {
    const t = await setup(target(), EXTRA)
    try {
      const err = await t.openai.models.retrieve('router:nope/missing').catch((e) => e)
      expect(err).toBeInstanceOf(OpenAI.NotFoundError)
      expect(err.status).toBe(404)
      expect(err.error).toMatchObject({ message: expect.stringContaining("'router:nope/missing'"), type: expect.any(String) })
    } finally {
      await t.gw.close()
    }
  })

  it('an unescaped `/` in the path (curl) finds the model too', async () => {
    const t = await setup(target(), EXTRA)
    try {
      const res = await t.raw('/v1/models/router:qwen/qwen3-coder', { headers: { authorization: `Bearer ${CLIENT_KEY}` } })
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ id: 'router:qwen/qwen3-coder', object: 'model' })
    } finally {
      await t.gw.close()
    }
  })
})

describe('models.retrieve for the Anthropic SDK', () => {
  it('under /anthropic: a listed model in Anthropic’s shape, and 404 as an Anthropic error', async () => {
    const t = await setup(target(), EXTRA)
    try {
      const model = await t.anthropic.models.retrieve('router:qwen/qwen3-coder')
      expect(model).toMatchObject({ type: 'model', id: 'router:qwen/qwen3-coder', display_name: expect.any(String), created_at: expect.any(String) })
      const err = await t.anthropic.models.retrieve('anthropic:missing').catch((e) => e)
      expect(err).toBeInstanceOf(Anthropic.NotFoundError)
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: expect.stringContaining('anthropic:missing') } })
    } finally {
      await t.gw.close()
    }
  })

  it('with base URL at the root, /v1/models and /v1/models/{id} answer in Anthropic’s shape (its headers tell)', async () => {
    const t = await setup(target(), EXTRA)
    try {
      const client = new Anthropic({ baseURL: new URL(t.openai.baseURL).origin, apiKey: CLIENT_KEY, maxRetries: 0 })
      const model = await client.models.retrieve('local:llama3:8b')
      expect(model).toMatchObject({ type: 'model', id: 'local:llama3:8b' })
      expect(model).not.toHaveProperty('object')
      const page = await client.models.list()
      expect(page.data.map((m) => m.id)).toContain('router:qwen/qwen3-coder')
      expect(page.data[0]).toMatchObject({ type: 'model' })
      const err = await client.models.retrieve('local:missing').catch((e) => e)
      expect(err).toBeInstanceOf(Anthropic.NotFoundError)
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } })
      // A wrong key on that route is an Anthropic error too.
      const bad = new Anthropic({ baseURL: new URL(t.openai.baseURL).origin, apiKey: 'wrong', maxRetries: 0 })
      const denied = await bad.models.retrieve('local:llama3:8b').catch((e) => e)
      expect(denied).toBeInstanceOf(Anthropic.AuthenticationError)
      expect(denied.error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
    } finally {
      await t.gw.close()
    }
  })
})
