import { describe, expect, it } from 'vitest'
import { credentialSecrets } from '../../src/subscriptions/credential-secrets'

describe('credentialSecrets', () => {
  it('finds every credential in each CLI’s file, and nothing that only names one', () => {
    const codex = {
      OPENAI_API_KEY: 'sk-codex-api-key',
      tokens: { id_token: 'codex-id', access_token: 'codex-access', refresh_token: 'codex-refresh', account_id: 'acct-1' },
      last_refresh: '2026-01-01T00:00:00Z',
    }
    expect(credentialSecrets(codex).sort()).toEqual(['codex-access', 'codex-id', 'codex-refresh', 'sk-codex-api-key'])
    const claude = { claudeAiOauth: { accessToken: 'claude-access', refreshToken: 'claude-refresh', expiresAt: 1, scopes: ['user:inference'], subscriptionType: 'max' } }
    expect(credentialSecrets(claude).sort()).toEqual(['claude-access', 'claude-refresh'])
    const qwen = { access_token: 'qwen-access', refresh_token: 'qwen-refresh', token_type: 'Bearer', expiry_date: 1, resource_url: 'portal.qwen.ai' }
    expect(credentialSecrets(qwen).sort()).toEqual(['qwen-access', 'qwen-refresh'])
    const serviceAccount = {
      type: 'service_account',
      private_key_id: 'kid-1',
      private_key: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
      client_email: 'robot@p.iam.gserviceaccount.com',
      token_uri: 'https://oauth2.googleapis.com/token',
    }
    expect(credentialSecrets(serviceAccount)).toEqual([serviceAccount.private_key])
    const userAdc = { type: 'authorized_user', client_id: 'gcloud-client', client_secret: 'gcloud-secret', refresh_token: 'adc-refresh' }
    expect(credentialSecrets(userAdc).sort()).toEqual(['adc-refresh', 'gcloud-secret'])
  })

  it('reads a login’s own records too (camelCase fields, an access token held in memory)', () => {
    const held = { type: 'service_account', email: 'r@x', privateKey: 'pem', key: Promise.resolve(), access: { token: 'sa-access', expiresAt: 1 } }
    expect(credentialSecrets(held).sort()).toEqual(['pem', 'sa-access'])
  })
})
