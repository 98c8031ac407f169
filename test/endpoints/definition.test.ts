import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { FAKE_ENV, fakeTransport, post, SECRETS } from '../helpers/fake-transport'

const admin = { authorization: `Bearer ${SECRETS.admin}` }

describe('an endpoint definition refuses what no HTTP request could carry', () => {
  it('header names that are not tokens, header values and keys with line breaks or beyond Latin-1: a 400 naming the field', async () => {
    const app = createApp({ transport: fakeTransport().transport, env: FAKE_ENV })
    const url = 'http://127.0.0.1:9/v1'
    for (const [extra, field] of [
      [{ headers: { 'bad header': 'x' } }, 'headers'],
      [{ headers: { x: 'a\r\nInjected: yes' } }, 'headers.x'],
      [{ headers: { x: 'nul\u0000' } }, 'headers.x'],
      [{ headers: { x: '\u20ac' } }, 'headers.x'],
      [{ key: 'sk-1\nx' }, 'key'],
      [{ key: 'sk-\u2013' }, 'key'],
    ] as const) {
      const res = await app.fetch(post('/api/v1/registry', { id: 'e', url, ...extra }, admin))
      expect(res.status, JSON.stringify(extra)).toBe(400)
      expect((await res.json()).error.message).toContain(field)
    }
    const ok = await app.fetch(post('/api/v1/registry', `{"id":"e","url":"${url}","key":"sk-1, sk-2","headers":{"X-Title":"My app é","__proto__":"x"}}`, admin))
    expect(ok.status).toBe(201)
    const res = await app.fetch(post('/v1/chat/completions', { model: 'e:m', messages: [{ role: 'user', content: 'hi' }] }))
    expect(res.status).toBe(200)
  })
})
