/**
 * What each scenario sends. `gateway` is the client's request to the gateway;
 * `plain` is the request the gateway itself would make upstream, which is what
 * the direct run and the plain forwarders (raw, Hono) get: for them the
 * comparison is "what a plain proxy costs for the same upstream exchange".
 */
export type Wire = 'openai' | 'anthropic'

export interface HttpCall {
  path: string
  headers: Record<string, string>
  body: string
  /** The protocol of the answer (what the verifier parses). */
  wire: Wire
}

export interface Scenario {
  id: string
  title: string
  stream: boolean
  gateway: HttpCall
  plain: HttpCall
}

/** The client key every gateway target is configured with (PROXY_API_KEYS). */
export const CLIENT_KEY = 'bench-client-key'
/** The provider keys the gateway sends upstream (the fake accepts anything). */
export const UPSTREAM_KEYS = { openai: 'sk-bench-openai-0123456789abcdef', anthropic: 'sk-ant-bench-0123456789abcdef' }

const SYSTEM =
  'You are a concise technical assistant. Answer in plain English, in at most three sentences, ' +
  'and do not use lists or code unless the user asks for them.'
const USER = 'Explain in a few sentences what HTTP keep-alive is and why servers close idle connections after a timeout.'

function openaiBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: USER },
    ],
    max_tokens: 512,
    temperature: 0.7,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  })
}

function anthropicBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    max_tokens: 512,
    system: SYSTEM,
    messages: [{ role: 'user', content: USER }],
    temperature: 0.7,
    ...(stream ? { stream: true } : {}),
  })
}

const openaiCall = (key: string, model: string, stream: boolean): HttpCall => ({
  path: '/v1/chat/completions',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, accept: stream ? 'text/event-stream' : 'application/json' },
  body: openaiBody(model, stream),
  wire: 'openai',
})

const anthropicCall = (key: string, model: string, stream: boolean): HttpCall => ({
  path: '/v1/messages',
  headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01', accept: 'application/json' },
  body: anthropicBody(model, stream),
  wire: 'anthropic',
})

function both(id: string, title: string, make: (stream: boolean) => Pick<Scenario, 'gateway' | 'plain'>): Scenario[] {
  return [false, true].map((stream) => ({ id: `${id}${stream ? '-stream' : ''}`, title: `${title}, ${stream ? 'stream' : 'JSON'}`, stream, ...make(stream) }))
}

export const SCENARIOS: Scenario[] = [
  ...both('oai-oai', 'OpenAI client → OpenAI upstream (pass-through)', (s) => ({
    gateway: openaiCall(CLIENT_KEY, 'gpt-4o', s),
    plain: openaiCall(UPSTREAM_KEYS.openai, 'gpt-4o', s),
  })),
  ...both('oai-ant', 'OpenAI client → Anthropic upstream (translation)', (s) => ({
    gateway: openaiCall(CLIENT_KEY, 'anthropic:claude-sonnet-4-5', s),
    plain: anthropicCall(UPSTREAM_KEYS.anthropic, 'claude-sonnet-4-5', s),
  })),
  ...both('ant-oai', 'Anthropic client → OpenAI upstream (translation)', (s) => ({
    gateway: anthropicCall(CLIENT_KEY, 'openai:gpt-4o', s),
    plain: openaiCall(UPSTREAM_KEYS.openai, 'gpt-4o', s),
  })),
]

/** What each kind of target does with a scenario, for the report. */
export const SCENARIO_NOTES = [
  '- **oai-oai** (pass-through): every target gets `POST /v1/chat/completions` with model `gpt-4o`; the gateway validates the body and forwards it (model unchanged) to the fake OpenAI route.',
  '- **oai-ant** (translation): the gateway gets an OpenAI Chat Completions request for `anthropic:claude-sonnet-4-5` and translates request and answer (Anthropic Messages upstream). Direct, raw and Hono get the Anthropic request the gateway would send (`POST /v1/messages`, model `claude-sonnet-4-5`) and return the Anthropic answer as is.',
  '- **ant-oai** (translation): the gateway gets an Anthropic Messages request for `openai:gpt-4o` and translates it to Chat Completions (stream with `stream_options.include_usage`). Direct, raw and Hono get that OpenAI request (`POST /v1/chat/completions`, model `gpt-4o`) and return the OpenAI answer as is.',
]
