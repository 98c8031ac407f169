import { memoryState } from '../../src/state/memory-state'
import { stateContract } from './state-contract'

stateContract('memory', { make: memoryState })
