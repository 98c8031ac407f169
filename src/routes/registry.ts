import type { Backend } from '../config/settings'
import { endpointDefinitionSchema } from '../endpoints/definition'
import { GatewayError } from '../hub/errors'
import { parseBody } from '../hub/validate'
import { clientKey, constantTimeEqual } from '../http/client-auth'
import { readJsonBody } from '../http/read-body'
import { createMiddleware } from 'hono/factory'
import type { GatewayApp, GatewayEnv } from './types'

export const REGISTRY_PATH = '/api/v1/registry'

/** An endpoint as the registry API shows it: where it came from, never its keys. */
function describe(b: Backend) {
  return {
    id: b.id,
    provider: b.provider,
    protocol: b.protocol,
    url: b.baseUrl,
    models: b.models,
    source: b.source,
    configured: b.configured,
    hasKey: b.keys.length > 0,
  }
}

/**
 * The runtime registry: list every endpoint with its source, add or replace
 * one, remove one, or run discovery now. Guarded by ADMIN_API_KEY (off when unset).
 */
export function registryRoutes(app: GatewayApp): void {
  app.use(`${REGISTRY_PATH}/*`, adminOnly)
  app.use(REGISTRY_PATH, adminOnly)

  // Every answer goes through the redactor: a URL or model name may hold a key.
  app.get(REGISTRY_PATH, (c) => c.var.rt.redactor.json({ endpoints: c.var.rt.endpoints.all().map(describe) }))

  app.post(REGISTRY_PATH, async (c) => {
    const rt = c.var.rt
    const definition = parseBody(endpointDefinitionSchema, await readJsonBody(c.req.raw, rt.settings.maxBodyBytes))
    // Multi-user mode: no endpoint on loopback, private, link-local or cloud-metadata addresses (names resolved first).
    await rt.access.checkUrl(definition.url, `Registry endpoint "${definition.id}"`)
    await rt.registry.put(definition)
    return rt.redactor.json({ endpoint: describe(rt.endpoints.get(definition.id)!) }, 201)
  })

  app.delete(`${REGISTRY_PATH}/:id`, async (c) => {
    const rt = c.var.rt
    const id = c.req.param('id')
    if (!rt.registry.has(id)) {
      const other = rt.endpoints.get(id)
      if (other?.configured)
        throw new GatewayError('invalid_request', `Endpoint "${id}" comes from ${other.source}, not the registry; remove it there.`)
      throw new GatewayError('not_found', `No registry endpoint "${id}".`)
    }
    await rt.registry.remove(id)
    return rt.redactor.json({ id, deleted: true })
  })

  app.post(`${REGISTRY_PATH}/discover`, async (c) => c.var.rt.redactor.json({ found: await c.var.rt.discover() }))
}

const adminOnly = createMiddleware<GatewayEnv>(async (c, next) => {
  const admin = c.var.rt.settings.adminKey
  if (!admin) throw new GatewayError('permission', 'The registry API is off: set ADMIN_API_KEY to use it.')
  const given = clientKey(c.req.raw, new URL(c.req.url))
  if (!given || !constantTimeEqual(given, admin)) throw new GatewayError('authentication', 'The registry API needs the admin key (ADMIN_API_KEY).')
  await next()
})
