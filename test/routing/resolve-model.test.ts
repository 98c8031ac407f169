import { describe, expect, it } from 'vitest'
import { loadSettings } from '../../src/config/settings'
import { EndpointTable } from '../../src/endpoints/endpoint-table'
import { GatewayError } from '../../src/hub/errors'
import { resolveModel, routeRequest, UnknownBackendError } from '../../src/routing/resolve-model'

const routing = (env: Record<string, string>) => {
  const s = loadSettings(env)
  return { settings: s, endpoints: new EndpointTable(s.backends) }
}
const settings = (env: Record<string, string> = {}) =>
  routing({ OPENAI_API_KEY: 'o', ANTHROPIC_API_KEY: 'a', OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1', ...env })

describe('resolveModel', () => {
  it('backend:model picks the back end; the rest (colons included) is the model', () => {
    expect(resolveModel('openai:gpt-4o', settings())).toMatchObject({ backend: { id: 'openai' }, model: 'gpt-4o' })
    expect(resolveModel('ollama:llama3:8b', settings())).toMatchObject({ backend: { id: 'ollama' }, model: 'llama3:8b' })
  })

  it('a bare model goes to the configured back end that lists it', () => {
    expect(resolveModel('claude-sonnet-4-5', settings()).backend.id).toBe('anthropic')
    expect(resolveModel('gpt-4.1-mini', settings()).backend.id).toBe('openai')
    expect(resolveModel('my-model', settings({ OLLAMA_MODELS: 'my-model' })).backend.id).toBe('ollama')
  })

  it('otherwise DEFAULT_BACKEND, whose model replaces the client’s when given', () => {
    expect(resolveModel('mystery', settings({ DEFAULT_BACKEND: 'ollama' }))).toMatchObject({ backend: { id: 'ollama' }, model: 'mystery' })
    expect(resolveModel('claude-x', settings({ ANTHROPIC_API_KEY: '', DEFAULT_BACKEND: 'openai:gpt-4o' }))).toMatchObject({
      backend: { id: 'openai' },
      model: 'gpt-4o',
    })
  })

  it('an unknown back end prefix is a 400 listing the known ones', () => {
    try {
      resolveModel('nope:model', settings())
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(GatewayError)
      expect((e as GatewayError).status).toBe(400)
      expect((e as GatewayError).message).toMatch(/nope.*openai.*anthropic/)
    }
  })

  it('a back end without its key names the setting', () => {
    expect(() => resolveModel('openai:gpt-4o', settings({ OPENAI_API_KEY: '' }))).toThrow(/OPENAI_API_KEY/)
    expect(() => resolveModel('gpt-4o', routing({}))).toThrow(/OPENAI_API_KEY/)
  })

  it('a model nobody serves, with no default, says how to fix it', () => {
    expect(() => resolveModel('mystery', settings())).toThrow(/DEFAULT_BACKEND/)
  })
})

describe('aliases, forced model and selector parameters', () => {
  it('an alias maps a hard-coded model to any selector; exact patterns before globs', () => {
    const r = settings({ MODEL_ALIASES: '{"claude-3-5-haiku*":"ollama:qwen3-coder","claude-3-5-haiku-latest":"openai:gpt-4.1-mini"}' })
    expect(resolveModel('claude-3-5-haiku-20241022', r)).toMatchObject({ backend: { id: 'ollama' }, model: 'qwen3-coder' })
    expect(resolveModel('claude-3-5-haiku-latest', r)).toMatchObject({ backend: { id: 'openai' }, model: 'gpt-4.1-mini' })
    expect(resolveModel('claude-sonnet-4-5', r).backend.id).toBe('anthropic')
    const list = settings({ MODEL_ALIASES: 'fast=openai:gpt-4.1-mini, smart = anthropic:claude-opus-4-1' })
    expect(resolveModel('smart', list)).toMatchObject({ backend: { id: 'anthropic' }, model: 'claude-opus-4-1' })
    expect(() => settings({ MODEL_ALIASES: 'nonsense' })).toThrow(/MODEL_ALIASES/)
  })

  it('FORCE_MODEL wins over whatever the client asks for', () => {
    const r = settings({ FORCE_MODEL: 'ollama:llama3:8b' })
    expect(resolveModel('claude-sonnet-4-5', r)).toMatchObject({ backend: { id: 'ollama' }, model: 'llama3:8b' })
  })

  it('selector parameters are validated and returned as overrides', () => {
    const r = resolveModel('openai:gpt-4o?temperature=0.2&max_tokens=512&reasoning_effort=high', settings())
    expect(r.model).toBe('gpt-4o')
    expect(r.overrides).toEqual({ temperature: 0.2, maxTokens: 512, thinking: { enabled: true, effort: 'high' } })
    expect(() => resolveModel('openai:gpt-4o?temperature=9', settings())).toThrow(/temperature=9/)
    expect(() => resolveModel('openai:gpt-4o?colour=red', settings())).toThrow(/unknown parameter "colour"/)
    const viaDefault = resolveModel('anything', settings({ DEFAULT_BACKEND: 'ollama:qwen3?top_p=0.5' }))
    expect(viaDefault).toMatchObject({ backend: { id: 'ollama' }, model: 'qwen3', overrides: { topP: 0.5 } })
  })
})

describe('unknown back ends and why a route was chosen', () => {
  it('prefix:model with an unknown prefix is a 400 even with DEFAULT_BACKEND, configured back ends listed first', () => {
    const r = settings({ DEFAULT_BACKEND: 'openai:gpt-4o' })
    try {
      resolveModel('opnai:gpt-4o', r)
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownBackendError)
      expect((e as GatewayError).status).toBe(400)
      expect((e as GatewayError).param).toBe('model')
      expect((e as GatewayError).message).toMatch(
        /^Unknown back end "opnai" in model "opnai:gpt-4o" \(configured: openai, anthropic, openai-responses, ollama; others, which need a key or URL: gemini, azure-openai,/,
      )
    }
  })

  it('a colon model a back end lists still works; a bare model nobody claims still goes to DEFAULT_BACKEND', () => {
    const r = settings({ DEFAULT_BACKEND: 'openai:gpt-4o', OLLAMA_MODELS: 'llama3:8b' })
    expect(resolveModel('llama3:8b', r)).toMatchObject({ backend: { id: 'ollama' }, model: 'llama3:8b', why: 'listed' })
    expect(resolveModel('mystery', r)).toMatchObject({ backend: { id: 'openai' }, model: 'gpt-4o', why: 'default' })
    expect(resolveModel('anthropic:claude-x', r)).toMatchObject({ why: 'explicit' })
    const forced = settings({ FORCE_MODEL: 'openai:gpt-4o' })
    expect(resolveModel('x', forced)).toMatchObject({ why: 'explicit', via: 'force' })
    const aliased = settings({ MODEL_ALIASES: 'fast=gpt-4.1-mini' })
    expect(resolveModel('fast', aliased)).toMatchObject({ backend: { id: 'openai' }, why: 'listed', via: 'alias' })
  })

  it('routeRequest fetches the live lists once when a colon model is not listed yet, and logs the decision at debug', async () => {
    const base = settings({ DEFAULT_BACKEND: 'openai' })
    const cache = new Map<string, string[]>()
    const fetched: string[] = []
    const models = {
      cached: (id: string) => cache.get(id),
      modelsOf: async (b: { id: string }) => {
        fetched.push(b.id)
        cache.set(b.id, b.id === 'ollama' ? ['llama3:8b'] : [])
        return cache.get(b.id)!
      },
    }
    const lines: string[] = []
    const log = { error() {}, warn() {}, info() {}, debug: (m: string) => lines.push(m), debugging: true }
    const rt = { ...base, models: models as never, log }
    expect(await routeRequest('llama3:8b', rt)).toMatchObject({ backend: { id: 'ollama' }, model: 'llama3:8b', why: 'listed' })
    expect(fetched.sort()).toEqual(['anthropic', 'ollama', 'openai', 'openai-responses'])
    expect(lines).toEqual(['route: "llama3:8b" → ollama model=llama3:8b (listed)'])
    // every list is known now: a typo is a 400 without fetching again
    await expect(routeRequest('olama:llama3:8b', rt)).rejects.toThrow(/Unknown back end "olama"/)
    expect(fetched).toHaveLength(4)
    await routeRequest('mystery', rt)
    expect(lines.at(-1)).toBe('route: "mystery" → openai model=mystery (default)')
  })
})
