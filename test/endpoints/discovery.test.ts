import { describe, expect, it } from 'vitest'
import type { DiscoverySettings } from '../../src/config/settings'
import { discover } from '../../src/endpoints/discovery'
import type { Transport } from '../../src/upstream/transport'

const settings = (hosts: string[]): DiscoverySettings => ({
  enabled: true,
  hosts,
  peers: [],
  ports: { ollama: 11434, lmstudio: 1234, vllm: 8000, litellm: 4000 },
  timeoutMs: 200,
})

function recorder(fail: (host: string) => Error) {
  const calls: string[] = []
  const lines: string[] = []
  const transport: Transport = async (req) => {
    const host = new URL(req.url).hostname
    calls.push(host)
    throw fail(host)
  }
  const log = { error: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), info: (m: string) => lines.push(m), debug() {}, debugging: false }
  return { calls, lines, transport, log }
}

describe('discovery of a host that does not resolve', () => {
  it('is one probe and one log line (Node’s ENOTFOUND), and later runs skip the host', async () => {
    const r = recorder((host) =>
      host === 'gone.example' ? Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }) : Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
    )
    expect(await discover(settings(['127.0.0.1', 'gone.example']), r.transport, r.log)).toEqual([])
    expect(r.calls.filter((h) => h === 'gone.example')).toHaveLength(1)
    expect(r.calls.filter((h) => h === '127.0.0.1')).toHaveLength(4) // every service port; refusals are silent
    expect(r.lines).toEqual(['discovery: host gone.example does not resolve; skipping it'])
    await discover(settings(['gone.example']), r.transport, r.log)
    expect(r.calls.filter((h) => h === 'gone.example')).toHaveLength(1)
    expect(r.lines).toHaveLength(1)
  })

  it('reads workerd’s failed lookup ("internal error") the same way, but not its refused connection', async () => {
    const r = recorder((host) => new Error(host === 'gone-workerd.example' ? 'internal error; reference = abc123' : 'Network connection lost.'))
    await discover(settings(['gone-workerd.example', 'up.example']), r.transport, r.log)
    expect(r.calls.filter((h) => h === 'gone-workerd.example')).toHaveLength(1)
    expect(r.calls.filter((h) => h === 'up.example')).toHaveLength(4)
    expect(r.lines).toEqual(['discovery: host gone-workerd.example does not resolve; skipping it'])
  })
})
