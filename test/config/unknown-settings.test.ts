import { describe, expect, it } from 'vitest'
import { parseConfigFile } from '../../src/config/config-file'
import { loadSettings, SettingsError } from '../../src/config/settings'
import { editDistance } from '../../src/config/unknown-settings'

describe('names that look like settings but are not', () => {
  it('warns with the nearest real name, never the value', () => {
    const s = loadSettings({
      PROXY_API_KEY: 'secret-client-key',
      DEFAULT_BACKEN: 'openai',
      OPENAI_BASEURL: 'http://127.0.0.1:9/v1',
      ANTHROPIC_KEY: 'sk-ant-secret',
      OLLAMA_HOST: 'http://127.0.0.1:11434',
      LLM_PROXY_DISCOVERY_PEER: 'box',
      LLM_PROXY_ENDPOINT_BOX_URI: 'http://127.0.0.1:9/v1',
      LOGLEVEL: 'debug',
    })
    expect(s.warnings).toEqual([
      'Unknown setting PROXY_API_KEY; did you mean PROXY_API_KEYS?',
      'Unknown setting DEFAULT_BACKEN; did you mean DEFAULT_BACKEND?',
      'Unknown setting OPENAI_BASEURL; did you mean OPENAI_BASE_URL?',
      'Unknown setting ANTHROPIC_KEY; did you mean ANTHROPIC_API_KEY?',
      'Unknown setting OLLAMA_HOST; did you mean OLLAMA_BASE_URL?',
      'Unknown setting LLM_PROXY_DISCOVERY_PEER; did you mean LLM_PROXY_DISCOVERY_PEERS?',
      'Unknown setting LLM_PROXY_ENDPOINT_BOX_URI; did you mean LLM_PROXY_ENDPOINT_BOX_URL?',
      'Unknown setting LOGLEVEL; did you mean LOG_LEVEL?',
    ])
    expect(s.warnings.join('\n')).not.toMatch(/secret|127\.0\.0\.1/)
  })

  it('maps other programs’ names for the same thing to the gateway’s', () => {
    const s = loadSettings({ OPENAI_API_BASE: 'x', AZURE_OPENAI_ENDPOINT: 'x', ANTHROPIC_AUTH_TOKEN: 'x', ANTHROPIC_MODEL: 'x', LLM_PROXY_ENDPOINT_BOX: 'x' })
    expect(s.warnings).toEqual([
      'Unknown setting OPENAI_API_BASE; did you mean OPENAI_BASE_URL?',
      'Unknown setting AZURE_OPENAI_ENDPOINT; did you mean AZURE_OPENAI_BASE_URL?',
      'Unknown setting ANTHROPIC_AUTH_TOKEN; did you mean ANTHROPIC_API_KEY?',
      'Unknown setting ANTHROPIC_MODEL; did you mean ANTHROPIC_MODELS?',
      'Unknown setting LLM_PROXY_ENDPOINT_BOX; did you mean LLM_PROXY_ENDPOINT_BOX_URL?',
    ])
  })

  it('leaves the rest of a process environment alone', () => {
    const s = loadSettings({
      PATH: '/usr/bin',
      HOME: '/root',
      HOSTNAME: 'box',
      SHELL: '/bin/bash',
      PWD: '/work',
      TERM: 'xterm',
      LANG: 'C.UTF-8',
      NODE_ENV: 'test',
      HTTP_PROXY: 'http://proxy',
      NO_PROXY: 'localhost',
      npm_config_cache: '/tmp',
      npm_lifecycle_event: 'test',
      OPENAI_ORG_ID: 'org-1',
      NVIDIA_VISIBLE_DEVICES: 'all',
      GITHUB_TOKEN: 'x',
      // real settings, the adapters' own and Worker bindings
      OPENAI_API_KEY: 'k',
      HOST: '127.0.0.1',
      PORT: '8787',
      STATE_DIR: '/tmp/s',
      PROXY_CONFIG: 'settings: {}',
      LLM_PROXY_ENDPOINT_BOX_URL: 'http://127.0.0.1:9/v1',
      LLM_PROXY_ENDPOINT_BOX_MODELS: 'a,b',
      AZURE_OPENAI_API_VERSION: '2024-10-21',
      STATE: { get() {} },
    })
    expect(s.warnings).toEqual([])
  })

  it('an unknown name in the config file’s settings block is an error naming it and the nearest setting', () => {
    const config = parseConfigFile('settings:\n  PROXY_API_KEY: abc\n')
    expect(() => loadSettings({}, config)).toThrow(SettingsError)
    expect(() => loadSettings({}, config)).toThrow('Invalid config file settings.PROXY_API_KEY: unknown setting; did you mean PROXY_API_KEYS?')
    expect(() => loadSettings({}, parseConfigFile('settings:\n  PORT: 9000\n'))).toThrow(/settings\.PORT: it is read from the environment only/)
    // endpoint variables and real settings are fine there
    const ok = loadSettings({}, parseConfigFile('settings:\n  LLM_PROXY_ENDPOINT_BOX_URL: http://127.0.0.1:9/v1\n  LOG_LEVEL: debug\n'))
    expect(ok.backends.get('box')?.baseUrl).toBe('http://127.0.0.1:9/v1')
  })

  it('edit distance counts insertions, deletions, substitutions and swaps', () => {
    expect(editDistance('PROXY_API_KEY', 'PROXY_API_KEYS')).toBe(1)
    expect(editDistance('OPENAI_BASEURL', 'OPENAI_BASE_URL')).toBe(1)
    expect(editDistance('LOG_LEVLE', 'LOG_LEVEL')).toBe(1)
    expect(editDistance('abc', 'xyz')).toBe(3)
    expect(editDistance('PATH', 'PORT', 1)).toBe(1)
  })
})
