import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { parseProm, valueOf } from '../observe/prom-text'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { setup, type Setup } from './gateway-suite'

/**
 * /metrics through the Node adapter, after requests from the official SDKs across two front ends
 * (one upstream failure, one failover retry, streams): the scrape parses, and counts what was sent.
 */
let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())

const ADMIN = 'admin-key-metrics-0001'
const target = () => ({ upstreamUrl: upstream.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) })

async function withGateway(extra: Record<string, string>, fn: (t: Setup) => Promise<void>) {
  const t = await setup(target(), { RETRY_MAX_WAIT_S: '0', ...extra })
  try {
    await fn(t)
  } finally {
    await t.gw.close()
  }
}

const scrape = async (t: Setup, headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` }) => {
  const res = await t.raw('/metrics', { headers })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return parseProm(await res.text())
}

describe('GET /metrics counts what was sent', () => {
  it('requests, tokens, errors, retries and streams across the OpenAI and Anthropic front ends', async () =>
    withGateway({ ADMIN_API_KEY: ADMIN }, async (t) => {
      const messages = [{ role: 'user' as const, content: 'hi' }]
      // OpenAI Chat front end: pass-through, translated, a translated stream, a failure, a failover.
      await t.openai.chat.completions.create({ model: 'openai:gpt-test', messages })
      await t.openai.chat.completions.create({ model: 'anthropic:claude-test', messages })
      let text = ''
      for await (const chunk of await t.openai.chat.completions.create({ model: 'anthropic:claude-test', messages, stream: true }))
        text += chunk.choices[0]?.delta.content ?? ''
      expect(text).toBe('Hello from anthropic!')
      await expect(t.openai.chat.completions.create({ model: 'gemini:error-429', messages })).rejects.toMatchObject({ status: 429 })
      const failover = await t.openai.chat.completions.create({ model: 'anthropic:error-401|openai:gpt-test', messages })
      expect(failover.choices[0]!.message.content).toBe('Hello from openai!')
      // Anthropic front end: pass-through, and a translated stream.
      await t.anthropic.messages.create({ model: 'anthropic:claude-test', max_tokens: 50, messages })
      const streamed = await t.anthropic.messages.stream({ model: 'openai:gpt-test', max_tokens: 50, messages }).finalMessage()
      expect(streamed.content[0]).toMatchObject({ type: 'text', text: 'Hello from openai!' })

      const p = await scrape(t)
      const requests = (labels: Record<string, string>) => valueOf(p, 'llm_gateway_requests_total', labels)
      expect(requests({})).toBe(7)
      expect(requests({ front_end: 'openai-chat' })).toBe(5)
      expect(requests({ front_end: 'anthropic' })).toBe(2)
      expect(requests({ front_end: 'openai-chat', backend: 'openai', model: 'gpt-test', status: '200', client: 'key-1' })).toBe(2)
      expect(requests({ front_end: 'openai-chat', backend: 'anthropic', model: 'claude-test', status: '200' })).toBe(2)
      expect(requests({ front_end: 'openai-chat', backend: 'gemini', model: 'error-429', status: '429' })).toBe(1)
      expect(requests({ front_end: 'anthropic', backend: 'anthropic', status: '200' })).toBe(1)
      expect(requests({ front_end: 'anthropic', backend: 'openai', status: '200' })).toBe(1)
      // The fake upstream reports 20 input and 9 output tokens per answer.
      expect(valueOf(p, 'llm_gateway_input_tokens_total', { backend: 'openai', model: 'gpt-test' })).toBe(60)
      expect(valueOf(p, 'llm_gateway_output_tokens_total', { backend: 'openai', model: 'gpt-test' })).toBe(27)
      expect(valueOf(p, 'llm_gateway_input_tokens_total', { backend: 'anthropic', model: 'claude-test' })).toBe(60)
      expect(valueOf(p, 'llm_gateway_output_tokens_total', { backend: 'anthropic', model: 'claude-test' })).toBe(27)
      expect(valueOf(p, 'llm_gateway_upstream_errors_total', { backend: 'gemini', kind: 'rate_limited' })).toBe(1)
      expect(valueOf(p, 'llm_gateway_upstream_errors_total', { backend: 'anthropic', kind: 'auth' })).toBe(1)
      expect(valueOf(p, 'llm_gateway_upstream_errors_total')).toBe(2)
      expect(valueOf(p, 'llm_gateway_upstream_retries_total', { backend: 'anthropic', kind: 'auth' })).toBe(1)
      expect(valueOf(p, 'llm_gateway_upstream_retries_total')).toBe(1)
      expect(valueOf(p, 'llm_gateway_streams_total', { end: 'complete' })).toBe(2)
      expect(valueOf(p, 'llm_gateway_open_streams')).toBe(0)
      expect(valueOf(p, 'llm_gateway_request_duration_seconds_count', {}, 'llm_gateway_request_duration_seconds')).toBe(7)
      // The failure before any answer has no time to first byte.
      expect(valueOf(p, 'llm_gateway_time_to_first_byte_seconds_count', {}, 'llm_gateway_time_to_first_byte_seconds')).toBe(6)
      expect(valueOf(p, 'llm_gateway_info', { runtime: 'node' })).toBe(1)
      // The ledger's totals (global): the same exchanges.
      expect(valueOf(p, 'llm_gateway_ledger_up')).toBe(1)
      expect(valueOf(p, 'llm_gateway_ledger_client_requests', { client: 'key-1' })).toBe(7)
      expect(valueOf(p, 'llm_gateway_ledger_client_errors', { client: 'key-1' })).toBe(1)
      expect(valueOf(p, 'llm_gateway_ledger_model_requests', { backend: 'openai', model: 'gpt-test' })).toBe(3)
      expect(valueOf(p, 'llm_gateway_ledger_model_output_tokens', { backend: 'anthropic', model: 'claude-test' })).toBe(27)
    }))

  it('a stream that breaks ends with error and the open streams gauge is back to 0', async () =>
    withGateway({ ADMIN_API_KEY: ADMIN }, async (t) => {
      const stream = await t.anthropic.messages.create({ model: 'anthropic:fail-midstream', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], stream: true })
      await expect(
        (async () => {
          for await (const _ of stream);
        })(),
      ).rejects.toThrow()
      const p = await scrape(t)
      expect(valueOf(p, 'llm_gateway_streams_total', { end: 'error' })).toBe(1)
      expect(valueOf(p, 'llm_gateway_open_streams')).toBe(0)
      expect(valueOf(p, 'llm_gateway_requests_total', { front_end: 'anthropic', backend: 'anthropic', model: 'fail-midstream', status: '502' })).toBe(1)
    }))
})

describe('who may read /metrics', () => {
  it('without ADMIN_API_KEY: 403 in OpenAI shape naming the settings; with METRICS_PUBLIC=on: open', async () => {
    await withGateway({}, async (t) => {
      const res = await t.raw('/metrics')
      expect(res.status).toBe(403)
      const body: any = await res.json()
      expect(body.error.message).toContain('ADMIN_API_KEY')
      expect(body.error.message).toContain('METRICS_PUBLIC')
    })
    await withGateway({ METRICS_PUBLIC: 'on' }, async (t) => {
      const p = await scrape(t, {})
      expect(p.has('llm_gateway_requests_total')).toBe(true)
    })
  })

  it('with ADMIN_API_KEY: 401 without it or with a client key, 200 with it as Bearer or x-api-key', async () =>
    withGateway({ ADMIN_API_KEY: ADMIN }, async (t) => {
      expect((await t.raw('/metrics')).status).toBe(401)
      expect((await t.raw('/metrics', { headers: { authorization: 'Bearer client-key-123' } })).status).toBe(401)
      expect((await t.raw('/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401)
      await scrape(t, { authorization: `Bearer ${ADMIN}` })
      await scrape(t, { 'x-api-key': ADMIN })
    }))
})
