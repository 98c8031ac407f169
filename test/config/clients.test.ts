import { describe, expect, it } from 'vitest'
import { parseConfigFile } from '../../src/config/config-file'
import { loadSettings, SettingsError } from '../../src/config/settings'
import { EndpointTable } from '../../src/endpoints/endpoint-table'
import { gatewaySecrets } from '../../src/security/secrets'

describe('named clients and their limits', () => {
  it('PROXY_API_KEYS keys are key-1, key-2, … with the CLIENT_* defaults; none set means no limits', () => {
    const s = loadSettings({ PROXY_API_KEYS: 'k1,k2', CLIENT_RPM: '60', CLIENT_TPM: '1000', CLIENT_DAILY_TOKENS: '50000' })
    expect(s.clients).toEqual([
      { name: 'key-1', key: 'k1', limits: { rpm: 60, tpm: 1000, dailyTokens: 50000 } },
      { name: 'key-2', key: 'k2', limits: { rpm: 60, tpm: 1000, dailyTokens: 50000 } },
    ])
    expect(s.clientLimits).toEqual({ rpm: 60, tpm: 1000, dailyTokens: 50000 })
    const none = loadSettings({ PROXY_API_KEYS: 'k1' })
    expect(none.clients[0]!.limits).toEqual({})
    expect(none.clientLimits).toEqual({})
  })

  it('the config file’s clients: own limits over the defaults; their keys are client keys and secrets', () => {
    const config = parseConfigFile(`
clients:
  - { name: ci, key: sk-ci-secret-1, rpm: 10, daily_tokens: "2000" }
  - name: alice@example.com
    key: sk-alice-secret-2
`)
    const s = loadSettings({ PROXY_API_KEYS: 'k1', CLIENT_RPM: '60', CLIENT_TPM: '500' }, config)
    expect(s.clients.map((c) => [c.name, c.limits])).toEqual([
      ['key-1', { rpm: 60, tpm: 500 }],
      ['ci', { rpm: 10, tpm: 500, dailyTokens: 2000 }],
      ['alice@example.com', { rpm: 60, tpm: 500 }],
    ])
    expect(s.clientKeys).toEqual(['k1', 'sk-ci-secret-1', 'sk-alice-secret-2'])
    const secrets = gatewaySecrets(s, new EndpointTable(s.backends))
    expect(secrets.has('sk-ci-secret-1')).toBe(true)
    expect(secrets.has('sk-alice-secret-2')).toBe(true)
  })

  it('errors name the setting or the entry and field', () => {
    expect(() => loadSettings({ CLIENT_RPM: '0' })).toThrow(/Invalid setting CLIENT_RPM: must be a positive whole number/)
    expect(() => loadSettings({ CLIENT_TPM: 'lots' })).toThrow(/CLIENT_TPM/)
    expect(() => loadSettings({ CLIENT_DAILY_TOKENS: '1.5' })).toThrow(/CLIENT_DAILY_TOKENS/)
    const bad = (clients: unknown[]) => () => loadSettings({}, parseConfigFile(JSON.stringify({ clients })))
    expect(bad([{ name: 'a', key: 'k', rpm: -1 }])).toThrow(/config file clients\[0\]\.rpm: must be a positive whole number/)
    expect(bad([{ name: 'a', key: 'k' }, { name: 'b', key: 'k2', tpm: 'many' }])).toThrow(/clients\[1\]\.tpm/)
    expect(bad([{ name: 'a', key: 'k', daily_tokens: 0 }])).toThrow(/clients\[0\]\.daily_tokens/)
    expect(bad([{ name: 'a' }])).toThrow(/clients\[0\]\.key/)
    expect(bad([{ key: 'k' }])).toThrow(/clients\[0\]\.name/)
    expect(bad([{ name: 'has space', key: 'k' }])).toThrow(/clients\[0\]\.name/)
    expect(bad([{ name: 'a', key: 'k', rmp: 5 }])).toThrow(/clients\[0\].*rmp/)
    expect(bad(['just-a-key'])).toThrow(/clients\[0\]/)
    expect(bad([{ name: 'a', key: 'k' }])).not.toThrow()
  })

  it('a name or a key used twice is a SettingsError', () => {
    const withFile = (env: Record<string, string>, clients: unknown[]) => () => loadSettings(env, { clients })
    expect(withFile({}, [{ name: 'a', key: 'k1' }, { name: 'a', key: 'k2' }])).toThrow(SettingsError)
    expect(withFile({}, [{ name: 'a', key: 'k1' }, { name: 'a', key: 'k2' }])).toThrow(/clients\[1\]\.name: "a" is used twice/)
    expect(withFile({}, [{ name: 'a', key: 'k1' }, { name: 'b', key: 'k1' }])).toThrow(/clients\[1\]\.key: the key of "b" is already the key of clients\[0\]/)
    expect(withFile({ PROXY_API_KEYS: 'k1' }, [{ name: 'b', key: 'k1' }])).toThrow(/already the key of PROXY_API_KEYS \(position 1\)/)
    expect(withFile({ PROXY_API_KEYS: 'k1,k2' }, [{ name: 'key-2', key: 'k3' }])).toThrow(/"key-2" is used twice.*by position/)
    expect(() => loadSettings({ PROXY_API_KEYS: 'k1,k2,k1' })).toThrow(/PROXY_API_KEYS: positions 1 and 3 hold the same key/)
  })
})
