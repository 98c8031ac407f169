/**
 * An upstream that answers 200 with something its protocol does not allow is
 * the upstream's fault: a 502 in the client's protocol, passed through or not. An
 * answer that is JSON but nests absurdly deep goes on unchanged when the gateway
 * only passes it on (it is not walked), and is not stored.
 */
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { FAKE_ENV, fakeTransport, post } from '../helpers/fake-transport'

function gatewayAnswering(body: string, contentType = 'application/json') {
  const { transport } = fakeTransport(() => new Response(body, { headers: { 'content-type': contentType } }))
  return createApp({ transport, env: FAKE_ENV })
}

describe('an upstream answering nonsense with a 200', () => {
  it('a wrong type inside a translated answer is a 502 in the client’s protocol', async () => {
    const app = gatewayAnswering(JSON.stringify({ id: 'r', status: 'completed', output: [{ type: { toString: null }, role: 'assistant' }] }))
    const chat = await app.fetch(post('/v1/chat/completions', { model: 'openai-responses:gpt-5', messages: [{ role: 'user', content: 'hi' }] }))
    expect(chat.status).toBe(502)
    expect((await chat.json()).error.message).toBe('The upstream answered with a response the gateway could not read.')
    const anthropic = await app.fetch(post('/v1/messages', { model: 'openai-responses:gpt-5', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }))
    expect(anthropic.status).toBe(502)
    expect(await anthropic.json()).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('could not read') } })
  })

  it('a passed-through answer that is not JSON is a 502 that names what came back', async () => {
    const app = gatewayAnswering('<html><title>oops</title></html>', 'text/html')
    const res = await app.fetch(post('/v1/responses', { model: 'openai-responses:gpt-5', input: 'hi' }))
    expect(res.status).toBe(502)
    const body = await res.json()
    expect(body.error.message).toContain('oops')
    expect(body.error.message).not.toContain('<html>')
  })

  it('a passed-through answer nesting absurdly deep goes on as it came, and is not stored', async () => {
    const deep = `{"id":"resp_deep","object":"response","status":"completed","output":[{"type":"mystery_item","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}]}`
    const app = gatewayAnswering(deep)
    const res = await app.fetch(post('/v1/responses', { model: 'openai-responses:gpt-5', input: 'hi' }))
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(deep)
    const stored = await app.fetch(new Request('http://gw.test/v1/responses/resp_deep', { headers: { authorization: post('/', {}).headers.get('authorization')! } }))
    expect(stored.status).toBe(404)
  })
})
