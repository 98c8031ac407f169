import { describe, expect, it } from 'vitest'
import { parseConfigFile } from '../../src/config/config-file'
import { loadSettings } from '../../src/config/settings'
import { EndpointTable } from '../../src/endpoints/endpoint-table'
import { buildEndpoint } from '../../src/endpoints/build-endpoint'
import { endpointsFromHits } from '../../src/endpoints/discovery'

describe('endpoint sources', () => {
  it('LLM_PROXY_ENDPOINT_<NAME>_* defines an endpoint; NAME lower-cased is the id', () => {
    const s = loadSettings({
      LLM_PROXY_ENDPOINT_MY_BOX_URL: 'http://10.1.2.3:8000/v1/',
      LLM_PROXY_ENDPOINT_MY_BOX_KEY: 'k1,k2',
      LLM_PROXY_ENDPOINT_MY_BOX_MODELS: 'a, b',
      LLM_PROXY_ENDPOINT_MY_BOX_PROVIDER: 'vllm',
    })
    expect(s.backends.get('my-box')).toMatchObject({
      id: 'my-box',
      baseUrl: 'http://10.1.2.3:8000/v1',
      keys: ['k1', 'k2'],
      models: ['a', 'b'],
      provider: 'vllm',
      protocol: 'openai-chat',
      source: 'env',
      configured: true,
    })
  })

  it('errors name the variable: a missing URL, a bad URL, an unknown provider', () => {
    expect(() => loadSettings({ LLM_PROXY_ENDPOINT_X_KEY: 'k' })).toThrow(/LLM_PROXY_ENDPOINT_X_URL: required/)
    expect(() => loadSettings({ LLM_PROXY_ENDPOINT_X_URL: 'ftp://x' })).toThrow(/LLM_PROXY_ENDPOINT_X_URL/)
    expect(() => loadSettings({ LLM_PROXY_ENDPOINT_X_URL: 'http://x', LLM_PROXY_ENDPOINT_X_PROVIDER: 'nope' })).toThrow(
      /LLM_PROXY_ENDPOINT_X_PROVIDER.*unknown provider "nope"/,
    )
  })

  it('a config file (YAML or JSON) gives settings, endpoints and aliases; the environment wins', () => {
    const yaml = parseConfigFile(`
settings:
  DEFAULT_BACKEND: box:m1
  LOG_LEVEL: debug
endpoints:
  - id: box
    url: http://127.0.0.1:9999/v1
    models: [m1, m2]
aliases:
  "claude-3-5-haiku*": box:m2
`)
    const s = loadSettings({ LOG_LEVEL: 'silent' }, yaml)
    expect(s.backends.get('box')).toMatchObject({ source: 'config', models: ['m1', 'm2'], provider: 'openai-compatible' })
    expect(s.defaultBackend).toEqual({ backend: 'box', model: 'm1' })
    expect(s.logLevel).toBe('silent')
    expect(s.aliases).toEqual([{ pattern: 'claude-3-5-haiku*', target: 'box:m2' }])
    const json = parseConfigFile('{"endpoints":[{"id":"j","url":"http://127.0.0.1:1/v1"}]}')
    expect(loadSettings({}, json).backends.get('j')!.source).toBe('config')
  })

  it('config file errors say where', () => {
    expect(() => parseConfigFile('endpoints: [ {id: x')).toThrow(/Invalid config file/)
    expect(() => parseConfigFile('colour: red')).toThrow(/colour|Unrecognized/)
    expect(() => loadSettings({}, parseConfigFile('endpoints:\n  - id: x\n    url: nope'))).toThrow(/config file endpoints\[0\]: url/)
  })

  it('collisions: the environment beats the config file, the registry beats both, discovery never clobbers', () => {
    const config = parseConfigFile('endpoints:\n  - {id: box, url: "http://127.0.0.1:1/v1"}')
    const s = loadSettings({ LLM_PROXY_ENDPOINT_BOX_URL: 'http://127.0.0.1:2/v1', OLLAMA_BASE_URL: 'http://127.0.0.1:3/v1' }, config)
    const table = new EndpointTable(s.backends)
    expect(table.get('box')).toMatchObject({ baseUrl: 'http://127.0.0.1:2/v1', source: 'env' })
    table.setRegistry([buildEndpoint({ id: 'box', url: 'http://127.0.0.1:4/v1', provider: 'openai-compatible' }, 'registry')])
    expect(table.get('box')).toMatchObject({ baseUrl: 'http://127.0.0.1:4/v1', source: 'registry' })

    const found = endpointsFromHits(
      [
        { provider: 'ollama', host: '127.0.0.1', port: 11434, models: ['x'] },
        { provider: 'lmstudio', host: '127.0.0.1', port: 1234, models: ['y'] },
        { provider: 'vllm', host: 'gpu.lan', port: 8000, models: ['z'] },
        { provider: 'ollama', host: 'host.docker.internal', port: 11434, models: [] },
      ],
      table,
    )
    expect(found.map((e) => e.id)).toEqual(['ollama-auto', 'lmstudio', 'vllm-gpu-lan', 'ollama-host-docker-internal'])
    table.setDiscovered(found)
    expect(table.get('ollama')).toMatchObject({ source: 'env', baseUrl: 'http://127.0.0.1:3/v1' })
    expect(table.get('lmstudio')).toMatchObject({ source: 'discovery', baseUrl: 'http://127.0.0.1:1234/v1', models: ['y'] })
  })
})
