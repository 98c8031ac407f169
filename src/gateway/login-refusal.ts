import type { Backend } from '../config/settings'
import { GatewayError } from '../hub/errors'
import type { Runtime } from './runtime'

type LoginRuntime = Pick<Runtime, 'access' | 'logins'>

/**
 * Whether this runtime refuses a subscription back end (a CLI's login): multi-user mode refuses
 * them (one person's login), and a runtime without the CLIs' credentials files (a Worker) cannot
 * sign with them. The attempt loop passes such a route over to the next failover entry, and the
 * model lists leave its models out.
 */
export const refusesLogin = (rt: LoginRuntime, backend: Pick<Backend, 'auth'>): boolean =>
  backend.auth === 'login' && (rt.access.multiUser || !rt.logins)

/** Why this runtime refuses a subscription back end (see refusesLogin), or undefined when it does not. */
export function loginRefusal(rt: LoginRuntime, backend: Pick<Backend, 'id' | 'auth'>): GatewayError | undefined {
  if (!refusesLogin(rt, backend)) return undefined
  return (
    rt.access.loginRefusal(backend) ??
    new GatewayError(
      'permission',
      `The "${backend.id}" back end uses a CLI's login on this machine, which only the Node and Deno adapters can read; it is not available here.`,
    )
  )
}
