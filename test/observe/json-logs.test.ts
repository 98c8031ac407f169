import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app'
import { createLogger, jsonLogLine } from '../../src/log'

const KEY = 'sk-upstream-json-log-secret-0001'
const CLIENT = 'client-json-log-key-0002'
const ADMIN = 'admin-json-log-key-0003'

afterEach(() => vi.restoreAllMocks())

/** Every console line while `fn` runs. */
async function capture(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = []
  for (const m of ['log', 'warn', 'error', 'info', 'debug'] as const) vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')))
  await fn()
  return lines
}

const completion = (model: string) => ({
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content: `ok, and here is the key ${KEY}` }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 },
})

function gateway(format: string) {
  const transport = async (req: { body?: string }) => {
    const body: any = JSON.parse(req.body ?? '{}')
    if (body.model === 'broken') return Response.json({ error: { message: `upstream says no to ${KEY}`, type: 'server_error' } }, { status: 500 })
    return Response.json(completion(body.model))
  }
  return createApp({
    env: { OPENAI_API_KEY: KEY, PROXY_API_KEYS: CLIENT, ADMIN_API_KEY: ADMIN, DEFAULT_BACKEND: 'openai', LLM_PROXY_LOCAL_DISCOVERY: '0', LOG_LEVEL: 'debug', LOG_FORMAT: format, RETRY_MAX_WAIT_S: '0' },
    transport,
  })
}

const ask = (app: ReturnType<typeof createApp>, model: string, requestId: string) =>
  app.fetch(
    new Request('http://127.0.0.1/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT}`, 'x-request-id': requestId },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: `hi ${ADMIN}` }] }),
    }),
  )

describe('LOG_FORMAT=json', () => {
  it('one JSON object per line (time, level, msg), the exchange line with its fields, no secret anywhere', async () => {
    const app = gateway('json')
    const lines = await capture(async () => {
      expect((await ask(app, 'gpt-json', 'json-req-1')).status).toBe(200)
      expect((await ask(app, 'broken', 'json-req-2')).status).toBe(500)
    })
    expect(lines.length).toBeGreaterThanOrEqual(3)
    const objects = lines.map((l) => {
      expect(l.split('\n')).toHaveLength(1)
      return JSON.parse(l)
    })
    for (const o of objects) {
      expect(new Date(o.time).toISOString()).toBe(o.time)
      expect(['error', 'warn', 'info', 'debug']).toContain(o.level)
      expect(typeof o.msg).toBe('string')
    }
    const ok = objects.find((o) => o.event === 'exchange' && o.request_id === 'json-req-1')
    expect(ok).toMatchObject({
      level: 'info',
      id: expect.stringMatching(/^req_/),
      client: 'key-1',
      front_end: 'openai-chat',
      backend: 'openai',
      model: 'gpt-json',
      status: 200,
      attempts: ['openai:gpt-json'],
      stream: false,
      input_tokens: 11,
      output_tokens: 4,
      ttfb_ms: expect.any(Number),
      total_ms: expect.any(Number),
    })
    expect(typeof ok.session).toBe('string')
    const failed = objects.find((o) => o.event === 'exchange' && o.request_id === 'json-req-2')
    expect(failed).toMatchObject({ status: 500, backend: 'openai', model: 'broken' })
    expect(objects.find((o) => o.event === 'attempt_failed')).toMatchObject({ request_id: 'json-req-2', backend: 'openai', kind: 'server', status: 500 })
    // One exchange line per exchange (the text line of the attempt loop is not written too).
    expect(objects.filter((o) => o.event === 'exchange')).toHaveLength(2)
    for (const l of lines) for (const secret of [KEY, CLIENT, ADMIN]) expect(l).not.toContain(secret)
  })

  it('text stays as it was: plain lines, no JSON', async () => {
    const lines = await capture(async () => void (await ask(gateway('text'), 'gpt-text', 'text-req-1')))
    const line = lines.find((l) => l.includes('openai-chat→openai'))
    expect(line).toMatch(/^POST \/v1\/chat\/completions openai-chat→openai\(openai-chat\) model=gpt-text upstream=200 \d+ms$/)
    expect(lines.some((l) => l.startsWith('{'))).toBe(false)
  })

  it('a bad LOG_FORMAT names the setting', () => {
    expect(() => createApp({ env: { LOG_FORMAT: 'yaml', LLM_PROXY_LOCAL_DISCOVERY: '0' } })).toThrow(/LOG_FORMAT: must be text or json, got "yaml"/)
  })

  it('a secret in a value is redacted before the line is serialised, so the line stays valid JSON', () => {
    const secret = 'sk-"quoted\\secret"-123456'
    const redact = (s: string) => s.split(secret).join('[REDACTED]')
    const line = jsonLogLine('info', `key ${secret}\u2028`, { model: secret, attempts: [secret], status: 200 }, redact)
    expect(line).not.toContain('\u2028')
    const o = JSON.parse(line)
    expect(o).toMatchObject({ level: 'info', msg: 'key [REDACTED]\u2028', model: '[REDACTED]', attempts: ['[REDACTED]'], status: 200 })
    const lines: string[] = []
    vi.spyOn(console, 'log').mockImplementation((l: string) => void lines.push(l))
    createLogger('info', redact, 'json').debug('not shown')
    expect(lines).toHaveLength(0)
  })
})
