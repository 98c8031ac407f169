import { GatewayError } from '../hub/errors'
import { estimateTokens } from '../hub/estimate-tokens'
import type { HubRequest } from '../hub/request'
import type { ClientIdentity } from '../routes/types'
import type { Admission } from '../state/ports'
import type { Runtime } from './runtime'

const UNITS = { rpm: 'requests per minute', tpm: 'tokens per minute', daily_tokens: 'tokens per UTC day' } as const

/**
 * Counts one request against the client's limits before anything goes upstream, or refuses it
 * with a 429 (`retryAfter` in seconds) naming the limit, the client and the limit's value.
 * Answers the input tokens it counted, for `settle` once the real count is known (0 when the
 * client has no token limit: then no estimate is made).
 *
 * The estimate is the hub request's (`estimateTokens`) when it was decoded; a pass-through body
 * that was not decoded counts a quarter of its length (its JSON syntax makes that a little high,
 * which `settle` corrects).
 *
 * A client without limits costs nothing: no estimate and no state call (the answer is 0 at once).
 */
export function admitClient(rt: Runtime, client: ClientIdentity, hub: HubRequest | undefined, bodyText: string): number | Promise<number> {
  const { rpm, tpm, dailyTokens } = client.limits
  if (rpm === undefined && tpm === undefined && dailyTokens === undefined) return 0
  const tokens = tpm === undefined && dailyTokens === undefined ? 0 : hub ? estimateTokens(hub) : Math.ceil(bodyText.length / 4)
  return rt.state.limits.admit(client.name, client.limits, tokens).then((a) => {
    if (!a.ok) throw refusal(client, a, tokens)
    return tokens
  })
}

function refusal(client: ClientIdentity, a: Extract<Admission, { ok: false }>, tokens: number): GatewayError {
  const estimate = a.limit === 'rpm' ? '' : ` (this request is estimated at ${tokens} input tokens; ${a.used} already counted)`
  const err = new GatewayError(
    'rate_limit',
    `Client "${client.name}" is over its ${a.limit} limit of ${a.allowed} ${UNITS[a.limit]}${estimate}; retry in ${a.retryAfterS} s.`,
  )
  err.retryAfter = String(a.retryAfterS)
  return err
}
