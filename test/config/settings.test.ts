import { describe, expect, it } from 'vitest'
import { parseDotenv } from '../../src/config/dotenv'
import { loadSettings, SettingsError } from '../../src/config/settings'

describe('loadSettings', () => {
  it('reads keys as comma lists, base URLs, and defaults', () => {
    const s = loadSettings({ OPENAI_API_KEY: 'a, b ,c', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/', PROXY_API_KEYS: 'k1,k2' })
    expect(s.backends.get('openai')!.keys).toEqual(['a', 'b', 'c'])
    expect(s.backends.get('openai')!.configured).toBe(true)
    expect(s.backends.get('anthropic')!.baseUrl).toBe('http://127.0.0.1:9')
    expect(s.backends.get('anthropic')!.configured).toBe(false)
    expect(s.clientKeys).toEqual(['k1', 'k2'])
    expect(s.maxBodyBytes).toBe(32 * 1024 * 1024)
    expect(s.anthropicVersion).toBe('2023-06-01')
  })

  it('a local server is configured by its URL alone', () => {
    const s = loadSettings({ OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1' })
    expect(s.backends.get('ollama')!.configured).toBe(true)
  })

  it('errors name the bad setting', () => {
    expect(() => loadSettings({ OPENAI_BASE_URL: 'not a url' })).toThrow(/OPENAI_BASE_URL/)
    expect(() => loadSettings({ MAX_BODY_BYTES: '-3' })).toThrow(/MAX_BODY_BYTES/)
    expect(() => loadSettings({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/)
    expect(() => loadSettings({ STREAM_IDLE_TIMEOUT_MS: '0' })).toThrow(/STREAM_IDLE_TIMEOUT_MS/)
    expect(() => loadSettings({ RESPONSES_STORE_MAX_BYTES: 'lots' })).toThrow(/RESPONSES_STORE_MAX_BYTES/)
    expect(() => loadSettings({ DEFAULT_BACKEND: 'nowhere:x' })).toThrow(SettingsError)
    expect(() => loadSettings({ DEFAULT_BACKEND: 'nowhere:x' })).toThrow(/DEFAULT_BACKEND.*nowhere.*openai/)
  })

  it('stream idle timeout and Responses store size: defaults and overrides', () => {
    expect(loadSettings({}).streamIdleTimeoutMs).toBe(120_000)
    expect(loadSettings({}).responsesStoreMaxBytes).toBe(64 * 1024 * 1024)
    expect(loadSettings({ STREAM_IDLE_TIMEOUT_MS: '5000', RESPONSES_STORE_MAX_BYTES: '1000' })).toMatchObject({
      streamIdleTimeoutMs: 5000,
      responsesStoreMaxBytes: 1000,
    })
  })

  it('DEFAULT_BACKEND takes backend or backend:model', () => {
    expect(loadSettings({ DEFAULT_BACKEND: 'openai' }).defaultBackend).toEqual({ backend: 'openai' })
    expect(loadSettings({ DEFAULT_BACKEND: 'ollama:llama3:8b' }).defaultBackend).toEqual({ backend: 'ollama', model: 'llama3:8b' })
  })

  it('ignores bindings that are not strings (KV namespaces and the like)', () => {
    expect(() => loadSettings({ STATE: { get() {} }, OPENAI_API_KEY: 'x' })).not.toThrow()
  })
})

describe('parseDotenv', () => {
  it('reads KEY=value lines, comments, export and quotes', () => {
    const env = parseDotenv('# c\nexport A=1\nB="two words"\nC=\'x#y\'\nD=plain # trailing\n\nbad line\nE="l1\\nl2"')
    expect(env).toEqual({ A: '1', B: 'two words', C: 'x#y', D: 'plain', E: 'l1\nl2' })
  })
})
