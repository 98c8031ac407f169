import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { FAKE_MODELS, OLLAMA_MODELS, startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { CLIENT_KEY, setup } from './gateway-suite'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())
const target = () => ({ upstreamUrl: upstream.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) })
const ADMIN = 'admin-secret'
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }

describe('one endpoint variable is enough', () => {
  it('LLM_PROXY_ENDPOINT_LMSTUDIO_URL alone: its models appear in all three lists and answer through every front end', async () => {
    const lmstudio = await startFakeUpstream()
    const gw = await startGateway({ LLM_PROXY_ENDPOINT_LMSTUDIO_URL: `${lmstudio.url}/v1`, LLM_PROXY_LOCAL_DISCOVERY: '0', LOG_LEVEL: 'silent' }, '127.0.0.1', 0)
    try {
      const openaiList = await (await fetch(`${gw.url}/v1/models`)).json()
      const anthropicList = await (await fetch(`${gw.url}/anthropic/v1/models`)).json()
      const geminiList = await (await fetch(`${gw.url}/v1beta/models`)).json()
      for (const m of FAKE_MODELS) {
        expect(openaiList.data.map((x: any) => x.id)).toContain(`lmstudio:${m}`)
        expect(anthropicList.data.map((x: any) => x.id)).toContain(`lmstudio:${m}`)
        expect(geminiList.models.map((x: any) => x.name)).toContain(`models/lmstudio:${m}`)
      }
      const model = `lmstudio:${FAKE_MODELS[0]}`
      const post = (path: string, body: unknown) => fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      const chat = await (await post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] })).json()
      expect(chat.choices[0].message.content).toBe('Hello from openai!')
      const msg = await (await post('/v1/messages', { model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })).json()
      expect(msg.content[0].text).toBe('Hello from openai!')
      const resp = await (await post('/v1/responses', { model, input: 'hi' })).json()
      expect(resp.output[0].content[0].text).toBe('Hello from openai!')
      const gem = await (await post(`/v1beta/models/${model}:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] })).json()
      expect(gem.candidates[0].content.parts[0].text).toBe('Hello from openai!')
    } finally {
      await gw.close()
      await lmstudio.close()
    }
  })
})

describe('discovery', () => {
  it('finds a local Ollama and LM Studio with no endpoint setting, and names remote hits by host', async () => {
    const ollama = await startFakeUpstream()
    const lmstudio = await startFakeUpstream()
    const port = (u: string) => new URL(u).port
    // a "remote" LM Studio: another loopback address, same port
    const remote = await startFakeUpstream('127.0.0.2', Number(port(lmstudio.url)))
    const gw = await startGateway(
      {
        LOG_LEVEL: 'silent',
        LLM_PROXY_DISCOVERY_HOSTS: '127.0.0.1',
        LLM_PROXY_DISCOVERY_PORTS: `ollama:${port(ollama.url)},lmstudio:${port(lmstudio.url)},vllm:9,litellm:9`,
        LLM_PROXY_DISCOVERY_PEERS: `127.0.0.2:${port(lmstudio.url)},does-not-exist.invalid`,
        ADMIN_API_KEY: ADMIN,
      },
      '127.0.0.1',
      0,
    )
    try {
      const list = await (await fetch(`${gw.url}/api/v1/registry`, { headers: admin })).json()
      const byId = Object.fromEntries(list.endpoints.map((e: any) => [e.id, e]))
      expect(byId.ollama).toMatchObject({ source: 'discovery', url: `${ollama.url}/v1`, models: OLLAMA_MODELS })
      expect(byId.lmstudio).toMatchObject({ source: 'discovery', url: `${lmstudio.url}/v1` })
      expect(byId['lmstudio-127-0-0-2']).toMatchObject({ source: 'discovery' })
      expect(Object.keys(byId).some((id) => id.includes('does-not-exist'))).toBe(false)

      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'ollama:llama3:8b', messages: [{ role: 'user', content: 'hi' }] }),
      })
      expect((await res.json()).choices[0].message.content).toBe('Hello from openai!')
    } finally {
      await gw.close()
      await ollama.close()
      await lmstudio.close()
      await remote.close()
    }
  })

  it('an explicit endpoint keeps its id; the discovered server registers as -auto; =0 turns discovery off', async () => {
    const ollama = await startFakeUpstream()
    const port = new URL(ollama.url).port
    const common = { LOG_LEVEL: 'silent', ADMIN_API_KEY: ADMIN, LLM_PROXY_DISCOVERY_HOSTS: '127.0.0.1', LLM_PROXY_DISCOVERY_PORTS: `ollama:${port},lmstudio:9,vllm:9,litellm:9` }
    const gw = await startGateway({ ...common, OLLAMA_BASE_URL: 'http://127.0.0.1:9/v1' }, '127.0.0.1', 0)
    const off = await startGateway({ ...common, LLM_PROXY_LOCAL_DISCOVERY: '0' }, '127.0.0.1', 0)
    try {
      const ids = (await (await fetch(`${gw.url}/api/v1/registry`, { headers: admin })).json()).endpoints
      expect(ids.find((e: any) => e.id === 'ollama')).toMatchObject({ source: 'env', url: 'http://127.0.0.1:9/v1' })
      expect(ids.find((e: any) => e.id === 'ollama-auto')).toMatchObject({ source: 'discovery' })
      const none = (await (await fetch(`${off.url}/api/v1/registry`, { headers: admin })).json()).endpoints
      expect(none.some((e: any) => e.source === 'discovery')).toBe(false)
      // on demand
      const found = await (await fetch(`${off.url}/api/v1/registry/discover`, { method: 'POST', headers: admin })).json()
      expect(found.found).toContain('ollama')
    } finally {
      await gw.close()
      await off.close()
      await ollama.close()
    }
  })
})

describe('the registry API', () => {
  it('needs ADMIN_API_KEY, validates with the endpoint schema, and survives a restart (STATE_DIR)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-state-'))
    const env = { LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0', ADMIN_API_KEY: ADMIN, STATE_DIR: dir, PROXY_API_KEYS: CLIENT_KEY }
    const box = upstream.baseFor('registry-restart', '/v1')
    try {
      let gw = await startGateway(env, '127.0.0.1', 0)
      expect((await fetch(`${gw.url}/api/v1/registry`)).status).toBe(401)
      expect((await fetch(`${gw.url}/api/v1/registry`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).status).toBe(401)
      const bad = await fetch(`${gw.url}/api/v1/registry`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'box', url: 'nope' }) })
      expect(bad.status).toBe(400)
      expect((await bad.json()).error.message).toContain('url')
      const added = await fetch(`${gw.url}/api/v1/registry`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'box', url: box, key: 'sk-box', models: ['m1'] }) })
      expect(added.status).toBe(201)
      const shown = await added.json()
      expect(shown.endpoint).toMatchObject({ id: 'box', source: 'registry', hasKey: true })
      expect(JSON.stringify(shown)).not.toContain('sk-box')
      await gw.close()

      gw = await startGateway(env, '127.0.0.1', 0)
      const list = await (await fetch(`${gw.url}/api/v1/registry`, { headers: admin })).json()
      expect(list.endpoints.find((e: any) => e.id === 'box')).toMatchObject({ source: 'registry', url: box })
      const chat = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
        body: JSON.stringify({ model: 'box:m1', messages: [{ role: 'user', content: 'hi' }] }),
      })
      expect(chat.status).toBe(200)
      expect(upstream.requests('registry-restart')[0]!.headers.authorization).toBe('Bearer sk-box')
      const removeEnv = await fetch(`${gw.url}/api/v1/registry/openai`, { method: 'DELETE', headers: admin })
      expect(removeEnv.status).toBe(404)
      expect((await fetch(`${gw.url}/api/v1/registry/box`, { method: 'DELETE', headers: admin })).status).toBe(200)
      await gw.close()
      gw = await startGateway(env, '127.0.0.1', 0)
      const after = await (await fetch(`${gw.url}/api/v1/registry`, { headers: admin })).json()
      expect(after.endpoints.some((e: any) => e.id === 'box')).toBe(false)
      await gw.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('is off when ADMIN_API_KEY is unset', async () => {
    const t = await setup(target())
    try {
      expect((await t.raw('/api/v1/registry', { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).status).toBe(403)
    } finally {
      await t.gw.close()
    }
  })
})

describe('one model list', () => {
  it('a dead and a silent upstream neither fail nor delay the list past the timeout; their configured models remain', async () => {
    const silent = createServer(() => {})
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const silentPort = (silent.address() as { port: number }).port
    const t = await setup(target(), {
      MODEL_LIST_TIMEOUT_MS: '300',
      LLM_PROXY_ENDPOINT_DEAD_URL: 'http://127.0.0.1:9/v1',
      LLM_PROXY_ENDPOINT_DEAD_MODELS: 'dead-fallback',
      LLM_PROXY_ENDPOINT_SLOW_URL: `http://127.0.0.1:${silentPort}/v1`,
      LLM_PROXY_ENDPOINT_SLOW_MODELS: 'slow-fallback',
    })
    try {
      const started = Date.now()
      const ids = (await t.openai.models.list()).data.map((m) => m.id)
      expect(Date.now() - started).toBeLessThan(3000) // bounded by the 300 ms timeout, not by the silent server
      expect(ids).toEqual(expect.arrayContaining(['dead:dead-fallback', 'slow:slow-fallback', `openai:${FAKE_MODELS[0]}`, `gemini:${FAKE_MODELS[1]}`]))
    } finally {
      await t.gw.close()
      silent.closeAllConnections()
      await new Promise((r) => silent.close(r))
    }
  })
})

describe('aliases, forced model and selector parameters', () => {
  it('an alias sends a hard-coded Claude model to another back end', async () => {
    const t = await setup(target(), { MODEL_ALIASES: '{"claude-3-5-haiku*":"openai:gpt-test"}' })
    try {
      const msg = await t.anthropic.messages.create({ model: 'claude-3-5-haiku-20241022', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      expect((msg.content[0] as { text: string }).text).toBe('Hello from openai!')
      const [req] = await t.upstream()
      expect(req.path).toBe('/v1/chat/completions')
      expect(req.body.model).toBe('gpt-test')
    } finally {
      await t.gw.close()
    }
  })

  it('selector parameters replace the client’s, even between same-protocol ends', async () => {
    const t = await setup(target())
    try {
      await t.openai.chat.completions.create({ model: 'openai:gpt-test?temperature=0.2&max_tokens=512', temperature: 1, messages: [{ role: 'user', content: 'hi' }] })
      const [req] = await t.upstream()
      expect(req.body).toMatchObject({ model: 'gpt-test', temperature: 0.2, max_tokens: 512 })
      const bad = await t.raw('/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
        body: JSON.stringify({ model: 'openai:gpt-test?temperature=hot', messages: [{ role: 'user', content: 'hi' }] }),
      })
      expect(bad.status).toBe(400)
      expect((await bad.json()).error.message).toContain('temperature=hot')
    } finally {
      await t.gw.close()
    }
  })

  it('FORCE_MODEL makes every request use one model', async () => {
    const t = await setup(target(), { FORCE_MODEL: 'anthropic:claude-test' })
    try {
      await t.openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      const [req] = await t.upstream()
      expect(req.path).toBe('/v1/messages')
      expect(req.body.model).toBe('claude-test')
    } finally {
      await t.gw.close()
    }
  })
})
