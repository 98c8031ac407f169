import type { Settings } from '../config/settings'
import type { Logger } from '../log'
import type { StateStore } from '../state/state-store'
import type { Transport } from '../upstream/call-upstream'

/** What a request handler needs from the world, chosen once at the edge. */
export interface Runtime {
  settings: Settings
  transport: Transport
  store: StateStore
  log: Logger
}
