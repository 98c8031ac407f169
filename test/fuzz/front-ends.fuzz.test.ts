/**
 * Fuzz tests on the Node side: the four front ends' blocks (test/fuzz/front-end-fuzz.ts).
 * Seeded and reproducible: FUZZ_SEED picks the seed (a failure prints the seed and path to
 * replay it), FUZZ_RUNS the number of inputs per front end (1,000 by default).
 */
import { defineFrontEndFuzz } from './front-end-fuzz'

defineFrontEndFuzz({ runs: Number(process.env.FUZZ_RUNS ?? 1000), seed: Number(process.env.FUZZ_SEED ?? 20260905) })
