import { AUTH_FAILURES_PREFIX, BACKENDS, CLIENTS, stub, type DurableBindings } from './durable/bindings'
import { mergeUsage } from './durable/merge-usage'
import type { GatewayState, UsageRecord } from './ports'

/**
 * The gateway's state in Durable Objects (Workers): one object per back end
 * (health), per client (limits, usage ledger) and per session, each answering
 * in one round trip. Built once per bindings object (`durableState`), so a
 * request only pays for the calls it makes.
 */
export function buildDurableState(env: DurableBindings): GatewayState {
  const health = (backend: string) => stub(env.GATEWAY_HEALTH, backend)
  return {
    health: {
      read: (backend) => health(backend).read(backend),
      report: (backend, reports, policy) => health(backend).report(backend, reports, policy),
      claimProbe: (backend, model) => health(backend).claimProbe(backend, model),
      reactivate: (backend) => health(backend).reactivate(backend),
      list: () => stub(env.GATEWAY_DIRECTORY, BACKENDS).list(),
    },
    limits: {
      admit: (client, limits, estimatedTokens) => stub(env.GATEWAY_LIMITS, client).admit(limits, estimatedTokens),
      settle: (client, tokenDelta) => stub(env.GATEWAY_LIMITS, client).settle(tokenDelta),
    },
    authFailures: {
      fail: (address) => stub(env.GATEWAY_LIMITS, AUTH_FAILURES_PREFIX + address).authFailure(),
      succeed: (address) => stub(env.GATEWAY_LIMITS, AUTH_FAILURES_PREFIX + address).authSuccess(),
    },
    usage: {
      // One write per client ledger, in parallel (a batch is usually one client's).
      async record(records) {
        const byClient = new Map<string, UsageRecord[]>()
        for (const r of records) byClient.get(r.client)?.push(r) ?? byClient.set(r.client, [r])
        await Promise.all([...byClient].map(([client, rs]) => stub(env.GATEWAY_USAGE, client).record(client, rs)))
      },
      // A client's own totals read its ledger; everyone's fan out over the clients directory.
      async totals(query) {
        if (query.client !== undefined) return stub(env.GATEWAY_USAGE, query.client).totals(query)
        const clients = await stub(env.GATEWAY_DIRECTORY, CLIENTS).list()
        return mergeUsage(await Promise.all(clients.map((c) => stub(env.GATEWAY_USAGE, c).totals(query))))
      },
    },
    sessions: {
      get: (id, owner) => stub(env.GATEWAY_SESSIONS, id).get(owner),
      put: (id, record, ttlSeconds) => stub(env.GATEWAY_SESSIONS, id).put(record, ttlSeconds),
      delete: (id, owner) => stub(env.GATEWAY_SESSIONS, id).delete(owner),
    },
  }
}

const built = new WeakMap<object, GatewayState>()

/** The Durable Object state for these bindings, built on first use. */
export function durableState(env: DurableBindings): GatewayState {
  let state = built.get(env)
  if (!state) built.set(env, (state = buildDurableState(env)))
  return state
}
