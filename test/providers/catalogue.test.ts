import { describe, expect, it } from 'vitest'
import { loadSettings } from '../../src/config/settings'
import { CATALOGUE } from '../../src/providers/catalogue'
import { PROTOCOL_IDS } from '../../src/protocols/types'

const settingName = (id: string, suffix: string) => `${id.toUpperCase().replace(/-/g, '_')}_${suffix}`
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/

describe('provider catalogue', () => {
  it('has the expected providers, each once', () => {
    const ids = CATALOGUE.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of [
      'openai', 'anthropic', 'gemini', 'openai-responses', 'azure-openai',
      'openrouter', 'zenmux', 'nvidia',
      'deepseek', 'mistral', 'xai', 'zai', 'zai-coding-plan', 'kimi-code', 'minimax', 'internlm', 'perplexity',
      'groq', 'together', 'fireworks', 'sambanova',
      'ollama', 'lmstudio', 'vllm', 'litellm',
    ])
      expect(ids).toContain(id)
  })

  for (const p of CATALOGUE) {
    describe(p.id, () => {
      it('is well-formed data', () => {
        expect(p.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
        expect(PROTOCOL_IDS).toContain(p.protocol)
        expect(['bearer', 'x-api-key', 'x-goog-api-key', 'api-key', 'login']).toContain(p.auth)
        expect(Array.isArray(p.models)).toBe(true)
        for (const m of p.models) expect(m).toMatch(/^\S+$/)
        expect(p.baseUrl).not.toMatch(/\/$/)
        expect(() => new URL(p.baseUrl)).not.toThrow()
        if (p.sharesSettingsWith) expect(CATALOGUE.some((q) => q.id === p.sharesSettingsWith)).toBe(true)
        for (const [k, v] of Object.entries(p.headers ?? {})) {
          expect(k).toMatch(/^[A-Za-z0-9-]+$/)
          expect(typeof v).toBe('string')
        }
      })

      if (p.keyRequired) {
        it('is hosted: https, and offers models unless they are the user’s own deployments', () => {
          expect(p.baseUrl).toMatch(/^https:\/\/[^\s/]+/)
          if (!p.baseUrlRequired) expect(p.models.length).toBeGreaterThan(0)
        })
      } else {
        it('is local: loopback http, models come from <PROVIDER>_MODELS', () => {
          expect(p.baseUrl).toMatch(LOOPBACK)
        })
      }

      if (p.pathTemplate) {
        it('has a path template with {model} and a default API version', () => {
          expect(p.pathTemplate).toMatch(/^\//)
          expect(p.pathTemplate).toContain('{model}')
          if (p.pathTemplate!.includes('{apiVersion}')) expect(p.apiVersion).toMatch(/^\d{4}-\d{2}-\d{2}(-preview)?$/)
        })
      }

      it(`reads ${settingName(p.id, 'API_KEY')}, ${settingName(p.id, 'BASE_URL')} and ${settingName(p.id, 'MODELS')}`, () => {
        const s = loadSettings({
          [settingName(p.id, 'API_KEY')]: 'k1, k2',
          [settingName(p.id, 'BASE_URL')]: 'http://127.0.0.1:9/x/',
          [settingName(p.id, 'MODELS')]: 'm-a,m-b',
          [settingName(p.id, 'PROTOCOL')]: 'anthropic',
        })
        const b = s.backends.get(p.id)!
        expect(b.keys).toEqual(['k1', 'k2'])
        expect(b.keySetting).toBe(settingName(p.id, 'API_KEY'))
        expect(b.baseUrl).toBe('http://127.0.0.1:9/x')
        expect(b.models).toEqual(['m-a', 'm-b'])
        expect(b.protocol).toBe('anthropic')
        expect(b.configured).toBe(true)
      })

      it('keeps its data when nothing is set', () => {
        const b = loadSettings({}).backends.get(p.id)!
        expect(b.baseUrl).toBe(p.baseUrl)
        expect(b.protocol).toBe(p.protocol)
        expect(b.auth).toBe(p.auth)
        expect(b.models).toEqual(p.models)
        expect(b.headers).toEqual(p.headers ?? {})
        expect(b.configured).toBe(false)
      })
    })
  }

  it('derives setting names from the id: upper case, "-" as "_"', () => {
    const s = loadSettings({
      AZURE_OPENAI_API_KEY: 'az',
      ZAI_CODING_PLAN_API_KEY: 'zc',
      KIMI_CODE_API_KEY: 'kc',
      OPENAI_RESPONSES_API_KEY: 'or',
    })
    expect(s.backends.get('azure-openai')!.keys).toEqual(['az'])
    expect(s.backends.get('zai-coding-plan')!.keys).toEqual(['zc'])
    expect(s.backends.get('zai')!.keys).toEqual([])
    expect(s.backends.get('kimi-code')!.keys).toEqual(['kc'])
    expect(s.backends.get('openai-responses')!.keys).toEqual(['or'])
  })

  it('azure-openai: deployments path with the GA API version, AZURE_OPENAI_API_VERSION overrides it', () => {
    const azure = CATALOGUE.find((p) => p.id === 'azure-openai')!
    expect(azure).toMatchObject({ protocol: 'openai-chat', auth: 'api-key', baseUrlRequired: true })
    expect(azure.baseUrl).toContain('YOUR-RESOURCE')
    expect(loadSettings({}).backends.get('azure-openai')!.pathTemplate).toBe(
      `/openai/deployments/{model}/chat/completions?api-version=${azure.apiVersion}`,
    )
    expect(loadSettings({ AZURE_OPENAI_API_VERSION: '2025-04-01-preview' }).backends.get('azure-openai')!.pathTemplate).toBe(
      '/openai/deployments/{model}/chat/completions?api-version=2025-04-01-preview',
    )
    // Only a user-owned endpoint needs its URL set.
    expect(CATALOGUE.filter((p) => p.baseUrlRequired).map((p) => p.id)).toEqual(['azure-openai'])
  })

  it('providers with an Anthropic endpoint stay on the protocol that suits tools and streaming', () => {
    const protocol = (id: string) => CATALOGUE.find((p) => p.id === id)!.protocol
    expect(protocol('deepseek')).toBe('openai-chat')
    expect(protocol('zai')).toBe('openai-chat')
    expect(protocol('zai-coding-plan')).toBe('openai-chat')
    expect(protocol('kimi-code')).toBe('anthropic')
    expect(protocol('minimax')).toBe('anthropic')
  })

  it('quirks are data for the protocols', () => {
    const quirks = (id: string) => CATALOGUE.find((p) => p.id === id)!.quirks ?? {}
    expect(quirks('mistral')).toMatchObject({
      toolCallIds: 'alphanumeric9',
      dropParams: expect.arrayContaining(['stream_options']),
      renameParams: { seed: 'random_seed' },
    })
    expect(quirks('deepseek')).toMatchObject({ reasoningHistory: 'reasoning_content', reasoningContentRequired: true })
    expect(quirks('openrouter').reasoningHistory).toBe('reasoning_details')
    // OpenAI and Azure refuse unknown message fields.
    expect(quirks('openai').reasoningHistory).toBe('none')
    expect(quirks('azure-openai').reasoningHistory).toBe('none')
  })
})
