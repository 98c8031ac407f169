import { describe, expect, it } from 'vitest'
import { loadSettings } from '../../src/config/settings'
import { EndpointTable } from '../../src/endpoints/endpoint-table'
import { Registry } from '../../src/endpoints/registry'
import { buildEndpoint } from '../../src/endpoints/build-endpoint'
import { REDACTED } from '../../src/security/redactor'
import { currentRedactor, gatewaySecrets, LearnedSecrets } from '../../src/security/secrets'
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

describe('LearnedSecrets (the CLI logins’ tokens, learnt at run time)', () => {
  it('a learnt token is redacted from the next use of the redactor on; learning nothing new rebuilds nothing', () => {
    const settings = loadSettings(env, config)
    const learned = new LearnedSecrets()
    const current = currentRedactor(settings, new EndpointTable(settings.backends), learned)
    const first = current()
    expect(first.text('Bearer login-access-token-1')).toBe('Bearer login-access-token-1')

    learned.learn('qwen-oauth\na.json', ['login-access-token-1', 'login-refresh-token-1', 'short'])
    const second = current()
    expect(second).not.toBe(first)
    expect(second.text('Bearer login-access-token-1 and login-refresh-token-1')).toBe(`Bearer ${REDACTED} and ${REDACTED}`)
    // The configured keys are still there.
    expect(second.text('box-key-77777777')).toBe(REDACTED)
    // Too short to look for in content (it would match ordinary words).
    expect(second.log('a short word')).toBe('a short word')

    // The same secrets again (every sign of a fresh token reads nothing new): the same redactor.
    learned.learn('qwen-oauth\na.json', ['login-refresh-token-1', 'login-access-token-1'])
    expect(current()).toBe(second)
  })

  it('keeps a source’s current and previous secrets only: memory stays bounded however often tokens are refreshed', () => {
    const learned = new LearnedSecrets()
    learned.learn('f', ['token-generation-1'])
    learned.learn('f', ['token-generation-2'])
    expect([...learned.values()].sort()).toEqual(['token-generation-1', 'token-generation-2'])
    learned.learn('f', ['token-generation-3'])
    learned.learn('g', ['other-file-token-1'])
    expect([...learned.values()].sort()).toEqual(['other-file-token-1', 'token-generation-2', 'token-generation-3'])
    for (let i = 4; i < 100; i++) learned.learn('f', [`token-generation-${i}`])
    expect([...learned.values()]).toHaveLength(3)
  })
})
