import { createApp } from './app'
import { KvStore, type KvNamespaceLike } from './state/kv-store'
import { MemoryStore } from './state/memory-store'

/**
 * The Worker: settings come from each request's bindings (vars, secrets,
 * `.dev.vars`); state lives in the `STATE` KV namespace when one is bound.
 */
export default createApp({
  store: (env) => (env.STATE ? new KvStore(env.STATE as KvNamespaceLike) : new MemoryStore()),
})
