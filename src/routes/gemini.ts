import { countTokens } from '../gateway/count-tokens'
import { generate } from '../gateway/generate'
import { geminiModel, geminiModelList, listModels } from '../gateway/list-models'
import { GatewayError } from '../hub/errors'
import { PROTOCOLS } from '../protocols'
import { decodeCountTokensRequest, encodeCountTokensResponse } from '../protocols/gemini/count-tokens'
import { toJsonArrayStream } from '../protocols/gemini/encode-stream'
import { quoteModel } from '../routing/model-name'
import { geminiModelName, geminiModelResource } from '../upstream/url-parts'
import type { GatewayApp } from './types'

const gemini = PROTOCOLS.gemini
const PREFIX = '/v1beta/models/'

/**
 * `models/<model>:<action>` from the path. Gemini CLI sends selectors unescaped
 * (`models/openai:gpt-4o:streamGenerateContent`), so the action is after the
 * LAST colon; an escaped selector (`anthropic%3Aclaude-x`) works the same.
 */
export function splitModelAction(path: string): { model: string; action: string } {
  let rest = modelInPath(path)
  if (rest.startsWith('models/')) rest = rest.slice('models/'.length)
  const at = rest.lastIndexOf(':')
  if (at <= 0) throw new GatewayError('not_found', `No route for ${path}: expected models/{model}:{action}.`)
  return { model: rest.slice(0, at), action: rest.slice(at + 1) }
}

/** What follows `/v1beta/models/` in a raw path, decoded once; malformed percent-encoding is a 400. */
function modelInPath(path: string): string {
  const raw = path.slice(path.indexOf(PREFIX) + PREFIX.length)
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new GatewayError('invalid_request', `The model in the path is not valid percent-encoding: ${quoteModel(raw)}`)
  }
}

/** Gemini v1beta: generateContent, streamGenerateContent (SSE or JSON array), countTokens, models. */
export function geminiRoutes(app: GatewayApp): void {
  app.get('/v1beta/models', async (c) => c.var.rt.redactor.json(geminiModelList(await listModels(c.var.rt))))
  app.get('/v1beta/models/:model{.+}', async (c) => {
    let id = modelInPath(new URL(c.req.url).pathname)
    if (id.startsWith('models/')) id = id.slice('models/'.length)
    const found = (await listModels(c.var.rt)).find((m) => m.id === id)
    if (!found) throw new GatewayError('not_found', `Model '${id}' is not served by any configured back end.`)
    return c.var.rt.redactor.json(geminiModel(found))
  })
  app.post('/v1beta/models/*', (c) => {
    const { model, action } = splitModelAction(new URL(c.req.url).pathname)
    const rt = c.var.rt
    switch (action) {
      case 'generateContent':
        return generate(c.req.raw, gemini, rt, { hints: { model, stream: false }, exchange: c.var })
      case 'streamGenerateContent': {
        const sse = c.req.query('alt') === 'sse'
        return generate(c.req.raw, gemini, rt, {
          hints: { model, stream: true },
          exchange: c.var,
          ...(sse ? {} : { reframe: toJsonArrayStream, reframedType: 'application/json' }),
        })
      }
      case 'countTokens':
        return countTokens(c.req.raw, rt, {
          protocol: 'gemini',
          decode: (body) => decodeCountTokensRequest(body, model),
          upstreamPath: (upstreamModel) => `/v1beta/${geminiModelResource(upstreamModel)}:countTokens`,
          // A nested generateContentRequest names the model too: the upstream's, not the selector.
          upstreamBody: (body, upstreamModel) =>
            body.generateContentRequest && typeof body.generateContentRequest === 'object'
              ? { ...body, generateContentRequest: { ...(body.generateContentRequest as object), model: geminiModelName(upstreamModel) } }
              : body,
          estimate: (tokens) => encodeCountTokensResponse(tokens),
        })
      default:
        throw new GatewayError('not_found', `Unknown model action '${action}'.`)
    }
  })
}
