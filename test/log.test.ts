import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../src/app'
import { logLine, logValue, MAX_LOG_LINE, MAX_LOG_VALUE } from '../src/log'

describe('log lines', () => {
  it('escapes newlines and other controls, so one message is one line', () => {
    expect(logLine('model=gpt\nPOST /admin 200\r\u0000\u2028')).toBe('model=gpt\\nPOST /admin 200\\r\\u0000\\u2028')
  })

  it('caps a line and a value', () => {
    expect(logLine('x'.repeat(MAX_LOG_LINE + 50))).toBe(`${'x'.repeat(MAX_LOG_LINE)}…(50 more)`)
    expect(logValue('m'.repeat(MAX_LOG_VALUE + 1))).toBe(`${'m'.repeat(MAX_LOG_VALUE)}…`)
    expect(logValue('gpt-4.1')).toBe('gpt-4.1')
  })
})

describe('a hostile model name in the request log', () => {
  afterEach(() => vi.restoreAllMocks())

  const lines: string[] = []
  const transport = async () =>
    Response.json({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] })
  const app = createApp({
    env: { OPENAI_API_KEY: 'sk-test-key-1234', DEFAULT_BACKEND: 'openai', LLM_PROXY_LOCAL_DISCOVERY: '0', LOG_LEVEL: 'debug' },
    transport,
  })
  const send = (model: string) => {
    lines.length = 0
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')))
    vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')))
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')))
    return app.fetch(
      new Request('http://127.0.0.1/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      }),
    )
  }

  it('is refused when it holds a line break, and forges no line', async () => {
    const res = await send('gpt\n2026-12-05 GET /v1/admin 200 forged')
    expect(res.status).toBe(400)
    for (const l of lines) expect(l).not.toMatch(/\n2026-12-05/)
  })

  it('is capped in every line that names it', async () => {
    const res = await send(`gpt-${'x'.repeat(5000)}`)
    expect(res.status).toBe(200)
    const naming = lines.filter((l) => l.includes('gpt-xxx'))
    expect(naming.length).toBeGreaterThan(0)
    for (const l of naming) expect(l.length).toBeLessThan(MAX_LOG_VALUE * 3 + 300)
  })
})
