import type { ResponseAccumulator } from '../hub/accumulate'
import type { HubResponse } from '../hub/response'

/**
 * Hands a streamed response, once whole, to the exchange's `after` hook. (A passed-through stream
 * is observed by ExchangeTally.watchBytes, which decodes it once for the hook and for usage.)
 */
export async function finished(acc: ResponseAccumulator, done: (res: HubResponse) => Promise<void>): Promise<void> {
  const res = acc.result()
  if (res) await done(res).catch(() => {})
}
