/**
 * The front ends' fuzz blocks inside workerd (the runtime of `wrangler dev` and of a deployed
 * Worker): the same kinds of hostile inputs as on Node, 1,000 per front end, another seed.
 */
import { defineFrontEndFuzz } from '../fuzz/front-end-fuzz'

defineFrontEndFuzz({ runs: 1000, seed: 20261205 })
