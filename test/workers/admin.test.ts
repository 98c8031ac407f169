import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'

/** The admin page inside workerd (the Worker entry, its JSX compiled by the Workers build): login, the cookie, a page, the tail. */
describe('admin page on Workers', () => {
  it('logs in with the form and serves the pages and the live tail with the cookie', async () => {
    const form = await SELF.fetch('https://gateway.test/admin')
    expect(form.status).toBe(200)
    expect(await form.text()).toContain('action="/admin/login"')
    const wrong = await SELF.fetch('https://gateway.test/admin/login', { method: 'POST', headers: { origin: 'https://gateway.test' }, body: new URLSearchParams({ key: 'nope' }), redirect: 'manual' })
    expect(wrong.status).toBe(401)
    await wrong.arrayBuffer()
    const login = await SELF.fetch('https://gateway.test/admin/login', { method: 'POST', headers: { origin: 'https://gateway.test' }, body: new URLSearchParams({ key: 'worker-admin-key' }), redirect: 'manual' })
    expect(login.status).toBe(303)
    const set = login.headers.get('set-cookie')!
    expect(set).toContain('HttpOnly')
    expect(set).toContain('Secure')
    expect(set).not.toContain('worker-admin-key')
    const cookie = set.split(';')[0]!
    const overview = await SELF.fetch('https://gateway.test/admin', { headers: { cookie } })
    const html = await overview.text()
    expect(html).toContain('<tr data-endpoint="anthropic">')
    expect(html).not.toContain('sk-ant-worker')
    const tail = await SELF.fetch('https://gateway.test/admin/events', { headers: { cookie } })
    expect(tail.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const reader = tail.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toContain(': connected')
    await reader.cancel()
  })
})
