import { describe, expect, it } from 'vitest'
import { loadSettings } from '../../src/config/settings'
import { EndpointTable } from '../../src/endpoints/endpoint-table'
import { Registry } from '../../src/endpoints/registry'
import { buildEndpoint } from '../../src/endpoints/build-endpoint'
import { REDACTED } from '../../src/security/redactor'
import { currentRedactor, gatewaySecrets } from '../../src/security/secrets'
import { MemoryStore } from '../../src/state/memory-store'

const env = {
  OPENAI_API_KEY: 'openai-key-1111,openai-key-2222',
  GROQ_API_KEY: 'groq-key-33333333',
  PROXY_API_KEYS: 'client-key-4444,client-key-5555',
  ADMIN_API_KEY: 'admin-key-66666666',
  LLM_PROXY_ENDPOINT_BOX_URL: 'http://10.0.0.5:8000/v1',
  LLM_PROXY_ENDPOINT_BOX_KEY: 'box-key-77777777',
}
const config = {
  endpoints: [{ id: 'file', url: 'http://10.0.0.6/v1', key: 'file-key-88888888', headers: { 'x-auth-token': 'Bearer header-token-9999' } }],
}

describe('gatewaySecrets', () => {
  it('collects every key: catalogue lists, variables, the config file, credential headers, client and admin keys', () => {
    const settings = loadSettings(env, config)
    const secrets = gatewaySecrets(settings, new EndpointTable(settings.backends))
    for (const s of [
      'openai-key-1111', 'openai-key-2222', 'groq-key-33333333', 'client-key-4444', 'client-key-5555', 'admin-key-66666666',
      'box-key-77777777', 'file-key-88888888', 'Bearer header-token-9999', 'header-token-9999',
    ])
      expect(secrets.has(s), s).toBe(true)
  })
})

describe('currentRedactor', () => {
  it('is built once, and again only when the endpoint table changes (a registry endpoint, discovery)', async () => {
    const settings = loadSettings(env, config)
    const table = new EndpointTable(settings.backends)
    const registry = new Registry(new MemoryStore(), table)
    const current = currentRedactor(settings, table)
    const first = current()
    expect(current()).toBe(first)
    expect(first.text('x box-key-77777777 y')).toBe(`x ${REDACTED} y`)
    expect(first.text('late-key-12121212')).toBe('late-key-12121212')

    await registry.put({ id: 'late', url: 'http://10.0.0.7/v1', provider: 'openai-compatible', key: 'late-key-12121212' })
    const second = current()
    expect(second).not.toBe(first)
    expect(second.text('late-key-12121212')).toBe(REDACTED)

    table.setDiscovered([buildEndpoint({ id: 'ollama', url: 'http://127.0.0.1:11434/v1', provider: 'ollama' }, 'discovery')])
    expect(current()).not.toBe(second)
    expect(current().text('late-key-12121212')).toBe(REDACTED)

    await registry.remove('late')
    expect(current().text('late-key-12121212')).toBe('late-key-12121212')
  })
})
