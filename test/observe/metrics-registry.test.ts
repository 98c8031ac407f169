import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { GATEWAY_VERSION } from '../../src/observe/gateway-info'
import { GatewayMetrics, renderLedger } from '../../src/observe/gateway-metrics'
import { MetricsRegistry, OVERFLOW } from '../../src/observe/metrics-registry'
import type { ExchangeSummary } from '../../src/gateway/usage-recorder'
import { parseProm, valueOf } from './prom-text'

describe('the metrics registry', () => {
  it('counts, sets and observes, and renders valid exposition with HELP and TYPE', () => {
    const r = new MetricsRegistry()
    const c = r.counter('t_requests_total', 'Requests.', ['route', 'status'])
    const g = r.gauge('t_open', 'Open.')
    const h = r.histogram('t_seconds', 'Durations.', ['route'], [0.1, 1, 10])
    c.inc(['a', '200'])
    c.inc(['a', '200'], 2)
    c.inc(['b', '500'])
    g.inc([], 3)
    g.inc([], -1)
    for (const v of [0.05, 0.1, 0.5, 5, 50]) h.observe(['a'], v)
    const text = r.render()
    expect(text).toContain('# HELP t_requests_total Requests.\n# TYPE t_requests_total counter\n')
    const p = parseProm(text)
    expect(p.get('t_requests_total')!.type).toBe('counter')
    expect(valueOf(p, 't_requests_total', { route: 'a', status: '200' })).toBe(3)
    expect(valueOf(p, 't_requests_total', { route: 'b' })).toBe(1)
    expect(valueOf(p, 't_open')).toBe(2)
    // 0.1 falls in le="0.1" (le is "less than or equal").
    expect(valueOf(p, 't_seconds_bucket', { le: '0.1' }, 't_seconds')).toBe(2)
    expect(valueOf(p, 't_seconds_bucket', { le: '1' }, 't_seconds')).toBe(3)
    expect(valueOf(p, 't_seconds_bucket', { le: '10' }, 't_seconds')).toBe(4)
    expect(valueOf(p, 't_seconds_bucket', { le: '+Inf' }, 't_seconds')).toBe(5)
    expect(valueOf(p, 't_seconds_count', {}, 't_seconds')).toBe(5)
    expect(valueOf(p, 't_seconds_sum', {}, 't_seconds')).toBeCloseTo(55.65)
    expect(c.total()).toBe(4)
  })

  it('escapes label values and help text; the parser reads them back as they were', () => {
    const r = new MetricsRegistry()
    const weird = 'a "quoted" back\\slash\nnew line'
    r.counter('t_x_total', 'Help with \\ and\nnewline.', ['model']).inc([weird])
    const text = r.render()
    expect(text).toContain('model="a \\"quoted\\" back\\\\slash\\nnew line"')
    expect(text.split('\n').filter((l) => l.startsWith('t_x_total'))).toHaveLength(1)
    const p = parseProm(text)
    expect(p.get('t_x_total')!.samples[0]!.labels.model).toBe(weird)
    expect(p.get('t_x_total')!.help).toBe('Help with \\ and\nnewline.')
  })

  it('caps the series of a family: new label sets past the cap count in one overflow series', () => {
    const r = new MetricsRegistry()
    const c = r.counter('t_models_total', 'Per model.', ['model'])
    for (let i = 0; i < 1005; i++) c.inc([`m${i}`])
    const p = parseProm(r.render())
    expect(p.get('t_models_total')!.samples).toHaveLength(1001)
    expect(valueOf(p, 't_models_total', { model: OVERFLOW })).toBe(5)
    expect(valueOf(p, 't_models_total')).toBe(1005)
  })

  it('refuses a family registered twice', () => {
    const r = new MetricsRegistry()
    r.counter('t_a', 'A.')
    expect(() => r.gauge('t_a', 'A again.')).toThrow(/twice/)
  })
})

const summary = (over: Partial<ExchangeSummary> = {}): ExchangeSummary => ({
  startedAt: Date.now(),
  client: { name: 'alice', limits: {} },
  frontEnd: 'openai-chat',
  backend: 'openai',
  model: 'gpt-test',
  attempts: ['openai:gpt-test'],
  status: 200,
  usage: { inputTokens: 20, outputTokens: 9 },
  ttfbMs: 120,
  totalMs: 900,
  estimatedInputTokens: 0,
  ...over,
})

describe('the gateway metrics', () => {
  it('an exchange adds to requests, durations, time to first byte and tokens', () => {
    const m = new GatewayMetrics('single-user')
    m.exchange(summary())
    m.exchange(summary({ frontEnd: 'anthropic', status: 429, usage: undefined, ttfbMs: undefined, totalMs: 30 }))
    const p = parseProm(m.render())
    expect(valueOf(p, 'llm_gateway_requests_total', { front_end: 'openai-chat', backend: 'openai', model: 'gpt-test', status: '200', client: 'alice' })).toBe(1)
    expect(valueOf(p, 'llm_gateway_requests_total', { front_end: 'anthropic', status: '429' })).toBe(1)
    expect(valueOf(p, 'llm_gateway_request_duration_seconds_count', {}, 'llm_gateway_request_duration_seconds')).toBe(2)
    expect(valueOf(p, 'llm_gateway_request_duration_seconds_sum', {}, 'llm_gateway_request_duration_seconds')).toBeCloseTo(0.93)
    expect(valueOf(p, 'llm_gateway_time_to_first_byte_seconds_count', {}, 'llm_gateway_time_to_first_byte_seconds')).toBe(1)
    expect(valueOf(p, 'llm_gateway_time_to_first_byte_seconds_bucket', { le: '0.1' }, 'llm_gateway_time_to_first_byte_seconds')).toBe(0)
    expect(valueOf(p, 'llm_gateway_time_to_first_byte_seconds_bucket', { le: '0.25' }, 'llm_gateway_time_to_first_byte_seconds')).toBe(1)
    expect(valueOf(p, 'llm_gateway_input_tokens_total', { backend: 'openai', model: 'gpt-test' })).toBe(20)
    expect(valueOf(p, 'llm_gateway_output_tokens_total', { backend: 'openai', model: 'gpt-test' })).toBe(9)
    expect(valueOf(p, 'llm_gateway_info', { version: GATEWAY_VERSION, runtime: 'node', access_mode: 'single-user' })).toBe(1)
    expect(m.totals()).toMatchObject({ requests: 2, errors: 1, inputTokens: 20, outputTokens: 9, openStreams: 0 })
  })

  it('failed attempts, retries, and open streams (each end counted once)', () => {
    const m = new GatewayMetrics()
    m.attemptFailed('gemini', 'rate_limited')
    m.attemptFailed('gemini', 'rate_limited')
    m.retried('gemini', 'rate_limited')
    const a = m.streamBegan()
    const b = m.streamBegan()
    const c = m.streamBegan()
    expect(m.totals().openStreams).toBe(3)
    a('complete')
    a('error')
    b('client_gone')
    let p = parseProm(m.render())
    expect(valueOf(p, 'llm_gateway_open_streams')).toBe(1)
    c('error')
    p = parseProm(m.render())
    expect(valueOf(p, 'llm_gateway_open_streams')).toBe(0)
    expect(valueOf(p, 'llm_gateway_streams_total', { end: 'complete' })).toBe(1)
    expect(valueOf(p, 'llm_gateway_streams_total', { end: 'error' })).toBe(1)
    expect(valueOf(p, 'llm_gateway_streams_total', { end: 'client_gone' })).toBe(1)
    expect(valueOf(p, 'llm_gateway_upstream_errors_total', { backend: 'gemini', kind: 'rate_limited' })).toBe(2)
    expect(valueOf(p, 'llm_gateway_upstream_retries_total', { backend: 'gemini', kind: 'rate_limited' })).toBe(1)
  })

  it('the ledger series: per client and per back end and model, and up=0 when the ledger did not answer', () => {
    const row = (group: string, requests: number) => ({ group, requests, errors: 1, input_tokens: 200, output_tokens: 90, cached_input_tokens: 0, reasoning_tokens: 0, cost_usd: null })
    const p = parseProm(renderLedger({ byClient: [row('alice', 10)], byModel: [row('openai:gpt:4o', 7)] }))
    expect(valueOf(p, 'llm_gateway_ledger_up')).toBe(1)
    expect(valueOf(p, 'llm_gateway_ledger_client_requests', { client: 'alice' })).toBe(10)
    expect(valueOf(p, 'llm_gateway_ledger_client_errors', { client: 'alice' })).toBe(1)
    expect(valueOf(p, 'llm_gateway_ledger_model_input_tokens', { backend: 'openai', model: 'gpt:4o' })).toBe(200)
    expect(valueOf(p, 'llm_gateway_ledger_model_cost_usd', { backend: 'openai' })).toBe(0)
    expect(p.get('llm_gateway_ledger_client_requests')!.type).toBe('gauge')
    const down = parseProm(renderLedger(undefined))
    expect(valueOf(down, 'llm_gateway_ledger_up')).toBe(0)
    expect(down.has('llm_gateway_ledger_client_requests')).toBe(false)
  })

  it('the version is package.json\'s', () => {
    expect(GATEWAY_VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version)
  })
})
