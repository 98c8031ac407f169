import { GatewayError } from '../hub/errors'
import { newId } from '../hub/ids'
import type { HubMessage } from '../hub/request'
import { PROTOCOLS } from '../protocols'
import { Redactor } from '../security/redactor'
import { utf8Length, type StateStore } from '../state/state-store'
import type { ExchangeHooks } from './generate'

/** Stored responses live as long as OpenAI keeps them. */
const TTL_SECONDS = 30 * 24 * 3600

interface StoredResponse {
  /** The back end that answered. */
  backend: string
  /** The whole conversation up to and including this response, in hub form. */
  messages: HubMessage[]
  /** The response object as the client received it, for GET /v1/responses/{id}. */
  response: unknown
  /** The client (its name) that created it: no other client reads, continues or deletes it. */
  owner?: string
}

/** A record another client owns is, to this one, not there (records from before owners count as everyone's). */
const foreign = (stored: StoredResponse, owner: string | undefined) => owner !== undefined && stored.owner !== undefined && stored.owner !== owner

const key = (id: string) => `response:${id}`

/**
 * OpenAI Responses' server-side state, kept by the gateway so that
 * `previous_response_id` works through any back end: each stored response keeps
 * the conversation in hub form; a follow-up turn is the stored conversation plus
 * its new input. Pass-through to an OpenAI Responses upstream is kept when the
 * gateway does not know the previous id (OpenAI itself may). A response too
 * big for the store (RESPONSES_STORE_MAX_BYTES) is not kept, and the exchange
 * hears why (a warning for the client).
 */
export function responsesHooks(store: StateStore, maxBytes = Infinity, redactor: Redactor = Redactor.none, owner?: string): ExchangeHooks {
  let keep = false
  return {
    async before(hub, body, route) {
      keep = body.store !== false
      hub.responseId = newId('resp_')
      const previous = body.previous_response_id
      if (typeof previous !== 'string' || previous === '') return { passThrough: true }
      const raw = await store.get(key(previous))
      const stored = raw ? (JSON.parse(raw) as StoredResponse) : undefined
      if (!stored || foreign(stored, owner)) {
        if (route.backend.protocol === 'openai-responses') return { passThrough: true }
        throw new GatewayError('invalid_request', `Previous response with id '${previous}' not found.`, {
          param: 'previous_response_id',
        })
      }
      hub.messages = [...stored.messages, ...hub.messages]
      return { passThrough: false }
    },
    async after(hub, res, { route, passThrough }) {
      if (!keep) return
      const id = passThrough ? res.id : hub.responseId!
      const record: StoredResponse = {
        backend: route.backend.id,
        messages: [...hub.messages, { role: 'assistant', content: res.content }],
        response: PROTOCOLS['openai-responses'].encodeResponse(res, { ...hub, responseId: id }),
        ...(owner !== undefined ? { owner } : {}),
      }
      // Kept without the gateway's secrets: a later turn may replay it to another back end.
      const value = redactor.text(JSON.stringify(record))
      const size = utf8Length(value)
      // One response bigger than the whole store is not kept (it would push out everything else).
      if (size > maxBytes)
        return `response not stored: ${size} bytes is more than RESPONSES_STORE_MAX_BYTES (${maxBytes}); previous_response_id cannot refer to it`
      try {
        await store.put(key(id), value, { ttlSeconds: TTL_SECONDS })
      } catch {
        return 'response not stored: the state store refused it; previous_response_id cannot refer to it'
      }
    },
  }
}

export async function getStoredResponse(store: StateStore, id: string, owner?: string): Promise<unknown> {
  const raw = await store.get(key(id))
  const stored = raw ? (JSON.parse(raw) as StoredResponse) : undefined
  if (!stored || foreign(stored, owner)) throw new GatewayError('not_found', `Response with id '${id}' not found.`)
  return stored.response
}

export async function deleteStoredResponse(store: StateStore, id: string, owner?: string): Promise<unknown> {
  const raw = await store.get(key(id))
  if (!raw || foreign(JSON.parse(raw) as StoredResponse, owner)) throw new GatewayError('not_found', `Response with id '${id}' not found.`)
  await store.delete(key(id))
  return { id, object: 'response.deleted', deleted: true }
}
