import { describe, expect, it } from 'vitest'
import { loadSettings } from '../../src/config/settings'
import { GatewayError } from '../../src/hub/errors'
import { ADMIN_CLIENT, identifyClient } from '../../src/http/identify-client'

const settings = loadSettings(
  { PROXY_API_KEYS: 'pk-one,pk-two', CLIENT_RPM: '30', ADMIN_API_KEY: 'adm-key' },
  { clients: [{ name: 'ci', key: 'sk-ci', tpm: 100 }] },
)
const who = (headers: Record<string, string>, path = '/v1/chat/completions', allowAdmin = false, s = settings) => {
  const url = new URL(`http://gw${path}`)
  return identifyClient(new Request(url, { headers }), url, s, allowAdmin)
}
const refusal = (f: () => unknown) => {
  try {
    f()
  } catch (err) {
    return err as GatewayError
  }
  throw new Error('no error')
}

describe('identifyClient', () => {
  it('names the client by its key, wherever the SDK sends it', () => {
    expect(who({ authorization: 'Bearer pk-one' })).toEqual({ name: 'key-1', limits: { rpm: 30 } })
    expect(who({ 'x-api-key': 'pk-two' })).toEqual({ name: 'key-2', limits: { rpm: 30 } })
    expect(who({ 'x-goog-api-key': 'sk-ci' })).toEqual({ name: 'ci', limits: { rpm: 30, tpm: 100 } })
    expect(who({}, '/v1beta/models/x:generateContent?key=sk-ci').name).toBe('ci')
    // the same identity object every time: nothing is built per request
    expect(who({ authorization: 'Bearer sk-ci' })).toBe(who({ 'x-api-key': 'sk-ci' }))
  })

  it('a missing or unknown key is a 401 that names no key', () => {
    const missing = refusal(() => who({}))
    expect(missing).toBeInstanceOf(GatewayError)
    expect(missing.status).toBe(401)
    const wrong = refusal(() => who({ authorization: 'Bearer pk-on' }))
    expect(wrong.status).toBe(401)
    expect(wrong.message).not.toContain('pk-')
    // a key that only starts like one is not it
    expect(refusal(() => who({ authorization: 'Bearer pk-one-and-more' })).status).toBe(401)
  })

  it('the admin key is an identity only where it is allowed', () => {
    expect(who({ authorization: 'Bearer adm-key' }, '/v1/usage', true)).toBe(ADMIN_CLIENT)
    expect(refusal(() => who({ authorization: 'Bearer adm-key' })).status).toBe(401)
    // a client key on an admin-allowing path is still that client
    expect(who({ authorization: 'Bearer pk-one' }, '/v1/usage', true).name).toBe('key-1')
  })

  it('without client keys everyone is anonymous, with the default limits', () => {
    const open = loadSettings({ CLIENT_TPM: '500' })
    expect(who({}, '/v1/messages', false, open)).toEqual({ name: 'anonymous', limits: { tpm: 500 } })
    expect(who({ authorization: 'Bearer whatever' }, '/v1/messages', false, open).name).toBe('anonymous')
  })
})
