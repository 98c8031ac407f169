import { describe, expect, it } from 'vitest'
import { loadSettings } from '../../src/config/settings'
import { explainUpstreamError, shownUrl } from '../../src/gateway/whose-fault'
import { PROTOCOLS } from '../../src/protocols'

const backends = loadSettings({ ANTHROPIC_API_KEY: 'sk-ant-x', AZURE_OPENAI_API_KEY: 'az', AZURE_OPENAI_BASE_URL: 'https://res.openai.azure.com' }).backends
const call = (id: string, url = 'https://user:pw@api.example/v1/messages?key=client-key&beta=true') => ({ backend: backends.get(id)!, method: 'POST', url })

describe('whose fault an upstream error is', () => {
  it('401 and 403 are the gateway key’s fault; 402 (billing) and 429 stay the upstream’s', () => {
    const anthropic = PROTOCOLS.anthropic
    for (const status of [401, 403]) {
      const err = explainUpstreamError(anthropic.decodeError(status, '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}'), status, call('anthropic'))
      expect(err.kind).toBe('upstream_auth')
      expect(err.status).toBe(502)
      expect(err.message).toBe(
        `The upstream "anthropic" refused the gateway's key ANTHROPIC_API_KEY (HTTP ${status}: invalid API key header). Your key for the gateway was accepted: the gateway's ANTHROPIC_API_KEY needs fixing.`,
      )
    }
    for (const status of [402, 429]) {
      const err = explainUpstreamError(anthropic.decodeError(status, '{"type":"error","error":{"type":"billing_error","message":"credit balance too low"}}'), status, call('anthropic'))
      expect(err.status).toBe(status)
      expect(err.kind).not.toBe('upstream_auth')
    }
  })

  it('a 404 names the URL called, without user, password or query, and the base URL’s form', () => {
    expect(shownUrl('https://user:pw@api.example/v1/messages?key=client-key')).toBe('https://api.example/v1/messages')
    const err = explainUpstreamError(PROTOCOLS.anthropic.decodeError(404, 'Not Found'), 404, call('anthropic'))
    expect(err.status).toBe(404)
    expect(err.message).toBe(
      'Upstream answered HTTP 404: Not Found — the gateway called POST https://api.example/v1/messages; if that path is wrong, check ANTHROPIC_BASE_URL: Anthropic base URLs stop before /v1 (https://api.anthropic.com).',
    )
    const azure = explainUpstreamError(PROTOCOLS['openai-chat'].decodeError(404, '{"error":{"message":"DeploymentNotFound"}}'), 404, call('azure-openai', 'https://res.openai.azure.com/openai/deployments/x/chat/completions?api-version=2024-10-21'))
    expect(azure.message).toContain('POST https://res.openai.azure.com/openai/deployments/x/chat/completions; if that path is wrong, check AZURE_OPENAI_BASE_URL: Azure base URLs are the resource endpoint')
  })
})
