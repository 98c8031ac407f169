import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/hub/errors'
import { estimateTokens, imageSize, imageTokens, IMAGE_TOKENS } from '../../src/hub/estimate-tokens'
import type { HubRequest } from '../../src/hub/request'
import { PROTOCOLS } from '../../src/protocols'
import { checkContextWindow, isContextWindowError, mayExceedContextWindow } from '../../src/resilience/context-window'

const hubOf = (chars: number, extra: Partial<HubRequest> = {}): HubRequest => ({
  model: 'm',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(chars) }] }],
  stream: false,
  ...extra,
})

const openai = { id: 'openai', protocol: 'openai-chat' as const }
const anthropic = { id: 'anthropic', protocol: 'anthropic' as const }
const gemini = { id: 'gemini', protocol: 'gemini' as const }

describe('checkContextWindow', () => {
  it('lets a request that fits through, and any request when the window is unknown', () => {
    expect(checkContextWindow(hubOf(3000), openai, 'gpt-4.1', { contextWindow: 1000 })).toBeUndefined()
    expect(checkContextWindow(hubOf(40_000), openai, 'x', {})).toBeUndefined()
  })

  it('refuses an estimate over the window with a 400 naming the model, the limit and the estimate', () => {
    const err = checkContextWindow(hubOf(8000), openai, 'gpt-4.1', { contextWindow: 1000 })!
    expect(err).toBeInstanceOf(GatewayError)
    expect(err.status).toBe(400)
    expect(err.code).toBe('context_length_exceeded')
    expect(err.message).toMatch(/^prompt is too long: 2001 tokens > 1000 maximum for openai:gpt-4\.1/)
    expect(err.message).toContain('2001 input tokens')
  })

  it('counts Anthropic max_tokens (the default when none was given), an OpenAI max_tokens the client set, never Gemini output', () => {
    const hub = hubOf(3200) // 801 tokens
    expect(checkContextWindow(hub, anthropic, 'c', { contextWindow: 8000 })?.message).toMatch(/8993 tokens > 8000 .*8192 max_tokens \(the gateway's default\)/)
    expect(checkContextWindow({ ...hub, maxTokens: 100 }, anthropic, 'c', { contextWindow: 8000 })).toBeUndefined()
    expect(checkContextWindow({ ...hub, maxTokens: 7500 }, openai, 'g', { contextWindow: 8000 })?.message).toMatch(/8301 tokens > 8000/)
    expect(checkContextWindow(hub, openai, 'g', { contextWindow: 1000 })).toBeUndefined()
    expect(checkContextWindow({ ...hub, maxTokens: 7500 }, gemini, 'g', { contextWindow: 1000 })).toBeUndefined()
  })

  it('renders natively in every front end', () => {
    const err = checkContextWindow(hubOf(8000), anthropic, 'claude-sonnet-4-5', { contextWindow: 1000 })!
    for (const id of ['openai-chat', 'openai-responses'] as const) {
      const { status, body } = PROTOCOLS[id].encodeError(err)
      expect(status).toBe(400)
      expect(body).toMatchObject({ error: { type: 'invalid_request_error', code: 'context_length_exceeded', message: err.message } })
    }
    const a = PROTOCOLS.anthropic.encodeError(err)
    expect(a.status).toBe(400)
    expect(a.body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: err.message } })
    expect((a.body as { error: { message: string } }).error.message).toMatch(/^prompt is too long: \d+ tokens > \d+ maximum/)
    const g = PROTOCOLS.gemini.encodeError(err)
    expect(g).toEqual({ status: 400, body: { error: { code: 400, message: err.message, status: 'INVALID_ARGUMENT' } } })
  })

  it('a pass-through body is worth decoding only when it has at least as many characters as the window has tokens', () => {
    expect(mayExceedContextWindow(999, { contextWindow: 1000 })).toBe(false)
    expect(mayExceedContextWindow(1000, { contextWindow: 1000 })).toBe(true)
    expect(mayExceedContextWindow(10 ** 9, {})).toBe(false)
  })
})

describe('estimateTokens', () => {
  // A 1×1 PNG and a 2000×1000 PNG header (IHDR carries the size; the rest need not be valid for the estimate).
  const png = (w: number, h: number) => {
    const b = new Uint8Array(33)
    b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
    new DataView(b.buffer).setUint32(16, w)
    new DataView(b.buffer).setUint32(20, h)
    return btoa(String.fromCharCode(...b))
  }
  const gif = btoa('GIF89a' + String.fromCharCode(100, 0, 50, 0) + '\0\0\0')
  const jpeg = btoa(String.fromCharCode(0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 17, 8, 0x01, 0x00, 0x02, 0x00, 3, 0, 0, 0))

  it('reads image sizes from PNG, GIF and JPEG headers', () => {
    expect(imageSize(png(640, 480))).toEqual({ w: 640, h: 480 })
    expect(imageSize(gif)).toEqual({ w: 100, h: 50 })
    expect(imageSize(jpeg)).toEqual({ w: 512, h: 256 })
    expect(imageSize('bm90IGFuIGltYWdl')).toBeUndefined()
  })

  it('counts a small image by its pixels, a large one at most 1,600, an unknown one 1,600', () => {
    expect(imageTokens({ type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: png(100, 75) } })).toBe(10)
    expect(imageTokens({ type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: png(4000, 3000) } })).toBeLessThanOrEqual(IMAGE_TOKENS)
    expect(imageTokens({ type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: png(4000, 3000) } })).toBeGreaterThan(1400)
    expect(imageTokens({ type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } })).toBe(IMAGE_TOKENS)
  })

  it('counts tool schemas, and thinking only in the last assistant turn', () => {
    const base = hubOf(400)
    const withTool = { ...base, tools: [{ name: 'f', description: 'd'.repeat(396), parameters: { type: 'object' } }] }
    expect(estimateTokens(withTool) - estimateTokens(base)).toBe(Math.ceil((1 + 396 + '{"type":"object"}'.length) / 4) + 0)
    const thought = (text: string) => ({ role: 'assistant' as const, content: [{ type: 'thinking' as const, text, signature: 's' }] })
    const earlier = { ...base, messages: [thought('t'.repeat(4000)), ...base.messages] }
    const last = { ...base, messages: [...base.messages, thought('t'.repeat(4000))] }
    expect(estimateTokens(earlier)).toBe(estimateTokens(base) + 1)
    expect(estimateTokens(last)).toBe(estimateTokens(base) + 1 + 1000)
  })
})

describe('isContextWindowError: upstream refusals in each provider\'s words', () => {
  const decoded = (protocol: keyof typeof PROTOCOLS, status: number, body: unknown) =>
    PROTOCOLS[protocol].decodeError(status, JSON.stringify(body))

  it('OpenAI Chat Completions and Responses: the code, whatever the message', () => {
    const chat = decoded('openai-chat', 400, {
      error: {
        message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    })
    expect(chat.code).toBe('context_length_exceeded')
    expect(isContextWindowError(chat, 400, { protocol: 'openai-chat' })).toBe(true)
    const responses = decoded('openai-responses', 400, {
      error: { message: 'Your input exceeds the context window of this model. Please adjust your input and try again.', type: 'invalid_request_error', param: 'input', code: 'context_length_exceeded' },
    })
    expect(isContextWindowError(responses, 400, { protocol: 'openai-responses' })).toBe(true)
    const coded = decoded('openai-chat', 400, { error: { message: 'Too long.', type: 'invalid_request_error', code: 'context_length_exceeded' } })
    expect(isContextWindowError(coded, 400)).toBe(true)
  })

  it('an upstream code is kept only when it looks like one', () => {
    const odd = decoded('openai-chat', 400, { error: { message: 'x', type: 'invalid_request_error', code: 'sk-live-0123456789abcdef' } })
    expect(odd.code).toBeUndefined()
    expect(PROTOCOLS['openai-chat'].encodeError(odd).body).toMatchObject({ error: { code: null } })
  })

  it('Anthropic: "prompt is too long" and input + max_tokens over the limit', () => {
    const tooLong = decoded('anthropic', 400, { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 209353 tokens > 199999 maximum' } })
    expect(isContextWindowError(tooLong, 400, { protocol: 'anthropic' })).toBe(true)
    const withOutput = decoded('anthropic', 400, {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'input length and `max_tokens` exceed context limit: 199759 + 8192 > 200000, decrease input length or `max_tokens` and try again' },
    })
    expect(isContextWindowError(withOutput, 400, { protocol: 'anthropic' })).toBe(true)
    // 413 is the body's size, not the window.
    const bytes = decoded('anthropic', 413, { type: 'error', error: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' } })
    expect(isContextWindowError(bytes, 413, { protocol: 'anthropic' })).toBe(false)
  })

  it('Gemini: the input token count over the maximum', () => {
    const err = decoded('gemini', 400, {
      error: { code: 400, message: 'The input token count (1054016) exceeds the maximum number of tokens allowed (1048576).', status: 'INVALID_ARGUMENT' },
    })
    expect(isContextWindowError(err, 400, { protocol: 'gemini' })).toBe(true)
  })

  it("the OpenAI-compatible hosts' wordings", () => {
    const messages = [
      "This endpoint's maximum context length is 32768 tokens. However, you requested about 42832 tokens (42832 of text input).", // OpenRouter
      "This model's maximum context length is 65536 tokens. However, you requested 69648 tokens (69648 in the messages, 0 in the completion).", // DeepSeek, vLLM
      "This model's maximum prompt length is 131072 but the request contains 200000 tokens.", // xAI
      'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 32769. Given: 40000 `inputs` tokens and 0 `max_new_tokens`', // Together (TGI)
      'Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length', // Mistral
      'The prompt is too long: 200000, model maximum context length: 131072', // Fireworks
      'the request exceeds the available context size, try increasing it', // llama.cpp
      'Trying to keep the first 111490 tokens when context the overflows.', // LM Studio
    ]
    for (const message of messages) {
      const err = decoded('openai-chat', 400, { error: { message, type: 'invalid_request_error' } })
      expect(isContextWindowError(err, 400, { protocol: 'openai-chat' }), message).toBe(true)
    }
  })

  it('other refusals are not context-window errors', () => {
    const quota = decoded('openai-chat', 429, { error: { message: 'Request too large for gpt-4o on tokens per min (TPM): Limit 30000, Requested 50000.', type: 'tokens', code: 'rate_limit_exceeded' } })
    expect(isContextWindowError(quota, 429)).toBe(false)
    const badParam = decoded('anthropic', 400, { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5' } })
    expect(isContextWindowError(badParam, 400, { protocol: 'anthropic' })).toBe(false)
    const server = decoded('openai-chat', 500, { error: { message: 'maximum context length exceeded upstream', type: 'server_error' } })
    expect(isContextWindowError(server, 500)).toBe(false)
    const key = decoded('openai-chat', 401, { error: { message: 'context_length_exceeded', type: 'invalid_request_error', code: 'invalid_api_key' } })
    expect(isContextWindowError(key, 401)).toBe(false)
  })
})
