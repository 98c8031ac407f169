import { GatewayError } from '../hub/errors'

/**
 * The loop guard. Every upstream request carries `x-llm-gateway-hop`: the ids of the gateways it
 * went through, this one's last. A request that arrives with this gateway's own id in it has come
 * back to the gateway that sent it (a gateway whose upstream is itself, or a cycle of gateways):
 * it is refused with 508 at once. Gateways may still be chained (a local one in front of a team's),
 * up to MAX_HOPS deep, which also stops cycles through Worker isolates with other ids.
 */
export const HOP_HEADER = 'x-llm-gateway-hop'

/** The most gateways one request may pass through. */
export const MAX_HOPS = 8

/** A new instance id: 12 hex digits, random (each runtime has its own). */
export function newHopId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6))
  let id = ''
  for (const b of bytes) id += b.toString(16).padStart(2, '0')
  return id
}

/** Throws the 508 when `incoming` (the request's hop header) shows a loop. */
export function checkHops(incoming: string, own: string): void {
  const hops = incoming.split(',')
  if (hops.length >= MAX_HOPS || hops.some((h) => h.trim() === own))
    throw new GatewayError(
      'loop_detected',
      hops.length >= MAX_HOPS
        ? `This request has passed through ${hops.length} gateways (${HOP_HEADER}); it is refused as a loop.`
        : `This request came back to the gateway that sent it (${HOP_HEADER}): a back end of this gateway points at the gateway itself.`,
    )
}

/** Whether an incoming hop header is a plain list of ids (only such a list is passed on). */
export const sameHops = (incoming: string) => /^[0-9a-f]{1,32}(\s*,\s*[0-9a-f]{1,32}){0,15}$/i.test(incoming)

/** The header an upstream request carries: the hops it already has, then this gateway's id. */
export function hopValue(hops: string | null, own: string): string {
  return hops ? `${hops}, ${own}` : own
}
