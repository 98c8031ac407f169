import { anthropic } from './anthropic'
import { openaiChat } from './openai-chat'
import type { Protocol, ProtocolId } from './types'

export const PROTOCOLS: Record<ProtocolId, Protocol> = {
  'openai-chat': openaiChat,
  anthropic,
}

/** Where each protocol's generate endpoint sits below a back end's base URL. */
export const GENERATE_PATH: Record<ProtocolId, string> = {
  'openai-chat': '/chat/completions',
  anthropic: '/v1/messages',
}
