import type { Settings } from '../config/settings'
import { GatewayError } from '../hub/errors'
import type { ClientIdentity } from '../routes/types'
import { clientKey, constantTimeEqual, constantTimeEqualBytes, utf8Bytes } from './client-auth'

/** Who is asking on the admin-only paths that also take the admin key (`/v1/usage`): everyone's view. */
export const ADMIN_CLIENT: ClientIdentity = Object.freeze({ name: 'admin', limits: Object.freeze({}) })

/** Paths that check a key of their own (the registry API's admin key) carry no client. */
export const UNIDENTIFIED: ClientIdentity = Object.freeze({ name: 'anonymous', limits: Object.freeze({}) })

interface Book {
  keys: Uint8Array[]
  identities: ClientIdentity[]
  /** No client keys are set: everyone is this client (with the default limits). */
  anonymous?: ClientIdentity
}

/** Built once per settings object (the identities are shared by every request, never copied). */
const books = new WeakMap<Settings, Book>()

function bookOf(settings: Settings): Book {
  let book = books.get(settings)
  if (!book) {
    book = {
      keys: settings.clients.map((c) => utf8Bytes(c.key)),
      identities: settings.clients.map((c) =>
        Object.freeze({ name: c.name, limits: Object.freeze({ ...c.limits }), ...(c.tools ? { tools: c.tools } : {}), ...(c.capture !== undefined ? { capture: c.capture } : {}) }),
      ),
      anonymous: settings.clients.length ? undefined : Object.freeze({ name: 'anonymous', limits: Object.freeze({ ...settings.clientLimits }) }),
    }
    books.set(settings, book)
  }
  return book
}

/**
 * The client a request comes from, by its key (Bearer, x-api-key, x-goog-api-key or `?key=`):
 * every key is compared in constant time, each one, whichever matches, so timing tells nothing
 * of which key (or how much of one) was right. 401 without a known key; `anonymous`, with the
 * default limits, when no client keys are set. With `allowAdmin`, the admin key is accepted
 * too and gives ADMIN_CLIENT.
 */
export function identifyClient(req: Request, url: URL, settings: Settings, allowAdmin = false): ClientIdentity {
  const book = bookOf(settings)
  const given = clientKey(req, url)
  if (allowAdmin && given !== undefined && settings.adminKey && constantTimeEqual(given, settings.adminKey)) return ADMIN_CLIENT
  if (book.anonymous) return book.anonymous
  if (!given) throw new GatewayError('authentication', 'Missing API key: send one of PROXY_API_KEYS or a client key from the config file.')
  const bytes = utf8Bytes(given)
  let found = -1
  for (let i = 0; i < book.keys.length; i++) if (constantTimeEqualBytes(bytes, book.keys[i]!) && found < 0) found = i
  if (found < 0) throw new GatewayError('authentication', 'Invalid API key.')
  return book.identities[found]!
}
