import { afterAll, beforeAll } from 'vitest'
import { startGateway } from '../../adapters/node'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { defineGatewaySuite } from './gateway-suite'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())

defineGatewaySuite(() => ({
  upstreamUrl: upstream.url,
  start: (env) => startGateway(env, '127.0.0.1', 0),
}))
