import type { HubRequest } from '../hub/request'
import type { ModelInfo } from '../models/model-table'

/**
 * REASONING_TOKEN_FLOOR: a reasoning model spends output tokens thinking before it answers, so a
 * client asking for a few (`max_tokens: 50`, common in title and classification calls written for
 * other models) gets an empty answer cut off mid-thought. Such a request is asked for `floor`
 * tokens instead (never beyond the model's max output), and `warn` says so for `x-gateway-warnings`.
 *
 * Pure: returns the request to send, a copy when the floor applies (the original stays as the
 * client sent it, for the next failover entry, which may not be a reasoning model).
 */
export function applyTokenFloor(hub: HubRequest, info: ModelInfo, floor: number, warn: (message: string) => void): HubRequest {
  const asked = hub.maxTokens
  if (!info.reasoning || asked === undefined || floor <= 0) return hub
  const target = info.maxOutput !== undefined ? Math.min(floor, info.maxOutput) : floor
  if (asked >= target) return hub
  warn(`max_tokens ${asked} raised to ${target} (REASONING_TOKEN_FLOOR): the model reasons before answering and would answer empty with fewer`)
  return { ...hub, maxTokens: target }
}

/** Where each protocol keeps the output-token limit of a passed-through body. */
const BODY_FIELDS: Record<string, Array<readonly string[]>> = {
  'openai-chat': [['max_completion_tokens'], ['max_tokens']],
  'openai-responses': [['max_output_tokens']],
  anthropic: [['max_tokens']],
  gemini: [['generationConfig', 'maxOutputTokens']],
}

/**
 * The same rule for a passed-through body (no hub was decoded): undefined when nothing changes,
 * else a copy of the body with its limit field raised (only the objects on the way to it are copied).
 */
export function applyTokenFloorToBody(
  protocol: string,
  body: Record<string, unknown>,
  info: ModelInfo,
  floor: number,
  warn: (message: string) => void,
): Record<string, unknown> | undefined {
  if (!info.reasoning || floor <= 0) return undefined
  for (const path of BODY_FIELDS[protocol] ?? []) {
    const parent = path.length === 1 ? body : body[path[0]!]
    if (!parent || typeof parent !== 'object' || Array.isArray(parent)) continue
    const asked = (parent as Record<string, unknown>)[path[path.length - 1]!]
    if (typeof asked !== 'number') continue
    let raised: number | undefined
    applyTokenFloor({ maxTokens: asked } as HubRequest, info, floor, (m) => {
      warn(m)
      raised = Math.min(floor, info.maxOutput ?? floor)
    })
    if (raised === undefined) return undefined
    const field = path[path.length - 1]!
    if (path.length === 1) return { ...body, [field]: raised }
    return { ...body, [path[0]!]: { ...(parent as Record<string, unknown>), [field]: raised } }
  }
  return undefined
}
