import { createApp } from './app'
import { durableState } from './state/durable-state'
import { hasDurableBindings } from './state/durable/bindings'
import { memoryState } from './state/memory-state'
import { KvStore, type KvNamespaceLike } from './state/kv-store'
import { MemoryStore } from './state/memory-store'
import { r2Captures, type R2BucketLike } from './capture/r2-captures'

export { BackendHealthObject } from './state/durable/health-object'
export { ClientLimitsObject } from './state/durable/limits-object'
export { UsageLedgerObject } from './state/durable/usage-object'
export { SessionObject } from './state/durable/session-object'
export { StateDirectoryObject } from './state/durable/directory-object'

/**
 * The Worker: settings come from each request's bindings (vars, secrets,
 * `.dev.vars`); stored responses live in the `STATE` KV namespace when one is
 * bound, and health, limits, usage and sessions in the Durable Objects
 * (wrangler.toml) when they are bound (else in the isolate's memory).
 */
export default createApp({
  store: (env) => (env.STATE ? new KvStore(env.STATE as KvNamespaceLike) : new MemoryStore()),
  state: (env) => (hasDurableBindings(env) ? durableState(env) : memoryState()),
  // Wire capture (README "Capture"): R2 objects, when a bucket is bound as CAPTURE_BUCKET.
  capture: (env, settings, log) => (env.CAPTURE_BUCKET ? r2Captures(env.CAPTURE_BUCKET as R2BucketLike, settings.capture, log) : undefined),
})
