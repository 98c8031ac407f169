import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app'
import { MemoryStore } from '../../src/state/memory-store'

// Inside workerd: settings are the bindings, read on the first request.
const app = () => createApp({ store: () => new MemoryStore() })
const health = (bindings: Record<string, unknown>) => app().fetch(new Request('http://localhost/health'), bindings)

afterEach(() => vi.restoreAllMocks())

describe('/health on Workers', () => {
  it('a broken binding → 503 with the message, and every other request says so too', async () => {
    const bindings = { OPENAI_API_KEY: 'sk-secret-value', OPENAI_BASE_URL: 'not a url', LLM_PROXY_LOCAL_DISCOVERY: '0' }
    const res = await health(bindings)
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ status: 'error', error: 'Invalid setting OPENAI_BASE_URL: must be an http(s) URL' })

    const gw = app()
    const chat = await gw.fetch(
      new Request('http://localhost/v1/chat/completions', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }),
      bindings,
    )
    expect(chat.status).toBe(500)
    const text = await chat.text()
    expect(JSON.parse(text).error.message).toContain('Invalid setting OPENAI_BASE_URL')
    expect(text).not.toContain('sk-secret-value')
    expect((await gw.fetch(new Request('http://localhost/health'), bindings)).status).toBe(503)
  })

  it('a broken selector or config binding is a 503 too', async () => {
    const a = await health({ FORCE_MODEL: 'nope:x', LLM_PROXY_LOCAL_DISCOVERY: '0' })
    expect(a.status).toBe(503)
    expect(((await a.json()) as { error: string }).error).toMatch(/^Invalid setting FORCE_MODEL: unknown back end "nope"/)
    const b = await health({ PROXY_CONFIG: 'settings:\n  DEFAULT_BACKEN: openai\n' })
    expect(b.status).toBe(503)
    expect(await b.json()).toEqual({
      status: 'error',
      error: 'Invalid config file settings.DEFAULT_BACKEN: unknown setting; did you mean DEFAULT_BACKEND?',
    })
  })

  it('a binding that looks like a setting but is not one: a warnings list, and one log line on the first request', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const res = await health({ OPENAI_API_KEY: 'k', PROXY_API_KEY: 'client-secret', LLM_PROXY_LOCAL_DISCOVERY: '0' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok', mode: 'single-user', warnings: ['Unknown setting PROXY_API_KEY; did you mean PROXY_API_KEYS?'] })
    expect(warn).toHaveBeenCalledWith('warning: Unknown setting PROXY_API_KEY; did you mean PROXY_API_KEYS?')
    expect(JSON.stringify(warn.mock.calls)).not.toContain('client-secret')
  })
})
