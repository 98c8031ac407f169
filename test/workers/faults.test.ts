import { inject } from 'vitest'
import { createApp } from '../../src/app'
import { MemoryStore } from '../../src/state/memory-store'
import { defineFaultMatrix, faultSettings } from '../integration/fault-matrix'

// Inside workerd, the runtime of `wrangler dev` and of a deployed Worker: the app reaches the faulty
// upstream over loopback with the runtime's own fetch, and every fault must still end honestly.
const bindings = faultSettings(inject('faultyUpstreamUrl'))
const store = new MemoryStore()
const app = createApp({ store: () => store })

defineFaultMatrix(() => async (path, init) => app.fetch(new Request(`http://localhost${path}`, init), bindings))
