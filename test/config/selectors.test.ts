import { describe, expect, it } from 'vitest'
import { parseConfigFile } from '../../src/config/config-file'
import { loadSettings, SettingsError } from '../../src/config/settings'

const base = { OPENAI_API_KEY: 'o', LLM_PROXY_LOCAL_DISCOVERY: '0' }
const load = (env: Record<string, string>) => loadSettings({ ...base, ...env })

describe('selectors in settings are checked at start', () => {
  it('FORCE_MODEL: an unknown back end prefix or a bad parameter names the setting', () => {
    expect(() => load({ FORCE_MODEL: 'nope:gpt-4.1' })).toThrow(SettingsError)
    expect(() => load({ FORCE_MODEL: 'nope:gpt-4.1' })).toThrow(
      /^Invalid setting FORCE_MODEL: unknown back end "nope" in "nope:gpt-4.1" \(configured: openai, openai-responses; others, which need a key or URL: anthropic, gemini/,
    )
    expect(() => load({ FORCE_MODEL: 'openai:gpt-4.1?temperature=9' })).toThrow(/^Invalid setting FORCE_MODEL: .*temperature=9/)
    expect(() => load({ FORCE_MODEL: 'openai:gpt-4.1?colour=red' })).toThrow(/^Invalid setting FORCE_MODEL: .*unknown parameter "colour"/)
    expect(() => load({ FORCE_MODEL: '?temperature=1' })).toThrow(/^Invalid setting FORCE_MODEL: no model/)
  })

  it('MODEL_ALIASES and the config file’s aliases: each target, naming where it came from', () => {
    expect(() => load({ MODEL_ALIASES: 'fast=opnai:gpt-4.1-mini' })).toThrow(
      /^Invalid setting MODEL_ALIASES \(target of "fast"\): unknown back end "opnai"/,
    )
    expect(() => load({ MODEL_ALIASES: '{"claude-*":"openai:gpt-4.1?top_p=2"}' })).toThrow(/^Invalid setting MODEL_ALIASES \(target of "claude-\*"\): .*top_p=2/)
    const config = parseConfigFile('aliases:\n  "haiku*": "nowhere:qwen"\n')
    expect(() => loadSettings(base, config)).toThrow(/^Invalid setting config file aliases \(target of "haiku\*"\): unknown back end "nowhere"/)
  })

  it('DEFAULT_BACKEND: its back end, and its model’s parameters', () => {
    expect(() => load({ DEFAULT_BACKEND: 'nowhere' })).toThrow(/^Invalid setting DEFAULT_BACKEND: unknown back end "nowhere"/)
    expect(() => load({ DEFAULT_BACKEND: 'openai:gpt-4.1?max_tokens=0' })).toThrow(/^Invalid setting DEFAULT_BACKEND: .*max_tokens=0/)
    // the model part is a plain model of that back end, colons and all
    expect(load({ DEFAULT_BACKEND: 'ollama:llama3:8b' }).defaultBackend).toEqual({ backend: 'ollama', model: 'llama3:8b' })
  })

  it('what stays legal: bare models, models a back end lists, back ends discovery or the registry may add later', () => {
    expect(load({ FORCE_MODEL: 'some-bare-model' }).forceModel).toBe('some-bare-model')
    expect(load({ FORCE_MODEL: 'anthropic:claude-x' }).forceModel).toBe('anthropic:claude-x') // a catalogue back end, even without its key
    expect(load({ FORCE_MODEL: 'llama3:8b', OLLAMA_BASE_URL: 'http://127.0.0.1:9/v1', OLLAMA_MODELS: 'llama3:8b' }).forceModel).toBe('llama3:8b')
    expect(load({ MODEL_ALIASES: 'x=box:qwen', LLM_PROXY_ENDPOINT_BOX_URL: 'http://127.0.0.1:9/v1' }).aliases).toEqual([{ pattern: 'x', target: 'box:qwen' }])
    // discovery may still find a remote vLLM
    expect(() => load({ FORCE_MODEL: 'vllm-10-0-0-5:qwen' })).toThrow(/unknown back end "vllm-10-0-0-5"/)
    expect(load({ FORCE_MODEL: 'vllm-10-0-0-5:qwen', LLM_PROXY_LOCAL_DISCOVERY: '1' }).forceModel).toBe('vllm-10-0-0-5:qwen')
    // with the registry on, any id may be added at run time: a warning, not an error
    const s = load({ FORCE_MODEL: 'box:qwen', ADMIN_API_KEY: 'admin' })
    expect(s.warnings).toEqual(['FORCE_MODEL names back end "box", which no setting defines: it must come from the registry API'])
    // a back end that is known but has no key yet: a warning naming the setting
    expect(load({ DEFAULT_BACKEND: 'anthropic', FORCE_MODEL: 'gemini:gemini-2.5-pro' }).warnings).toEqual([
      'DEFAULT_BACKEND names back end "anthropic", which has no key: set ANTHROPIC_API_KEY',
      'FORCE_MODEL names back end "gemini", which has no key: set GEMINI_API_KEY',
    ])
    expect(load({ DEFAULT_BACKEND: 'openai' }).warnings).toEqual([])
    // a colon model nobody lists must carry its back end
    expect(() => load({ FORCE_MODEL: 'llama3:8b' })).toThrow(/e\.g\. ollama:llama3:8b/)
  })
})
