import { sessionCommands } from './session-commands'
import { sessionOverrides } from './session-overrides'
import { rewriteContent } from './rewrite-content'
import { dangerousCommandGuard } from './dangerous-command-guard'
import { toolAccess } from './tool-access'
import { toolLoopGuard } from './tool-loop-guard'
import { contentLoop } from './content-loop'
import { redactKeysInPrompts } from './redact-keys-in-prompts'
import { jsonRepair } from './json-repair'
import { toolRepair } from './tool-repair'
import { thinkTags } from './think-tags'
import type { Interceptor } from './types'

/**
 * The interactive layer, in order. A request goes down this list before routing
 * (first to last); the answer comes back up it (last to first), like layers of
 * an onion: the first interceptor is nearest the client, the last nearest the
 * upstream. So a textual tool call is repaired (tool-repair) before the
 * dangerous-command guard judges it, and keys are redacted from a prompt after
 * every rewrite of it.
 *
 *   name                      default   setting / !/set name                 does
 *   session-commands          on        INTERACTIVE_COMMANDS, COMMAND_PREFIX  runs !/commands, keeps them from upstreams
 *   session-overrides         on        (always)                              applies !/model, !/oneoff, !/set values
 *   rewrite-content           on        config `rewrites:`                    rewrites system/user text and the reply
 *   tool-access               on        TOOLS_ALLOW, TOOLS_DENY               removes denied tools, blocks calls to them
 *   dangerous-command-guard   on        DANGEROUS_COMMAND_GUARD               blocks destructive shell tool calls
 *   tool-loop-guard           on        TOOL_LOOP_GUARD                       steers, then stops, a repeating tool call
 *   content-loop              off       LOOP_DETECTION / loop-detection       cuts an answer that repeats itself
 *   redact-keys-in-prompts    on        REDACT_API_KEYS_IN_PROMPTS            removes configured keys from outbound text
 *   json-repair               on        JSON_REPAIR                           makes a JSON-mode answer parse
 *   tool-repair               on        TOOL_REPAIR                           turns a tool call written as text into a call
 *   think-tags                off       FIX_THINK_TAGS                        moves <think>…</think> text into thinking
 *
 * To add one: a file in this folder exporting an Interceptor, one line here, a
 * test under test/interceptors/, a row in the README's table.
 */
export const INTERCEPTORS: readonly Interceptor[] = [
  sessionCommands, // session-commands
  sessionOverrides, // session-overrides
  rewriteContent, // rewrite-content
  toolAccess, // tool-access
  dangerousCommandGuard, // dangerous-command-guard
  toolLoopGuard, // tool-loop-guard
  contentLoop, // content-loop
  redactKeysInPrompts, // redact-keys-in-prompts
  jsonRepair, // json-repair
  toolRepair, // tool-repair
  thinkTags, // think-tags
]
