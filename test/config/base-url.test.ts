import { describe, expect, it } from 'vitest'
import { normaliseBaseUrl } from '../../src/config/base-url'
import { loadSettings } from '../../src/config/settings'

describe('base URL forms', () => {
  it('takes off what the gateway appends itself, per protocol', () => {
    expect(normaliseBaseUrl('https://api.anthropic.com/v1', 'anthropic')).toEqual({ url: 'https://api.anthropic.com', dropped: '/v1' })
    expect(normaliseBaseUrl('https://api.anthropic.com/v1/messages', 'anthropic')).toEqual({ url: 'https://api.anthropic.com', dropped: '/v1/messages' })
    expect(normaliseBaseUrl('https://generativelanguage.googleapis.com/v1beta', 'gemini')).toEqual({
      url: 'https://generativelanguage.googleapis.com',
      dropped: '/v1beta',
    })
    expect(normaliseBaseUrl('https://api.openai.com/v1/chat/completions', 'openai-chat')).toEqual({ url: 'https://api.openai.com/v1', dropped: '/chat/completions' })
    expect(normaliseBaseUrl('https://api.openai.com/v1/responses', 'openai-responses')).toEqual({ url: 'https://api.openai.com/v1', dropped: '/responses' })
    // right already, or not guessable: left alone
    for (const [url, protocol] of [
      ['https://api.openai.com/v1', 'openai-chat'],
      ['https://api.deepseek.com', 'openai-chat'],
      ['https://api.anthropic.com', 'anthropic'],
      ['https://api.deepseek.com/anthropic', 'anthropic'],
      ['http://v1', 'anthropic'],
    ] as const)
      expect(normaliseBaseUrl(url, protocol)).toEqual({ url })
  })

  it('at load, with a note for the debug log that names the setting but not the URL', () => {
    const s = loadSettings({ ANTHROPIC_API_KEY: 'a', ANTHROPIC_BASE_URL: 'https://user:pw@proxy.example/v1', KIMI_CODE_BASE_URL: 'https://api.kimi.com/coding/v1' })
    expect(s.backends.get('anthropic')!.baseUrl).toBe('https://user:pw@proxy.example')
    expect(s.backends.get('kimi-code')!.baseUrl).toBe('https://api.kimi.com/coding')
    expect(s.notes).toEqual([
      'ANTHROPIC_BASE_URL: dropped "/v1" from its end (the gateway adds that path itself)',
      'KIMI_CODE_BASE_URL: dropped "/v1" from its end (the gateway adds that path itself)',
    ])
    // the protocol in force decides: Kimi Code on Chat Completions keeps its /v1
    expect(loadSettings({ KIMI_CODE_PROTOCOL: 'openai-chat', KIMI_CODE_BASE_URL: 'https://api.kimi.com/coding/v1' }).backends.get('kimi-code')!.baseUrl).toBe(
      'https://api.kimi.com/coding/v1',
    )
  })
})
