// Bundles a Node entry (default: the gateway's Node adapter) into one ES module that plain `node` runs:
//   node scripts/build-node.mjs [entry.ts] [out.mjs] [--readable]
// --readable keeps whitespace and esbuild's `// src/…` module markers (the benchmark's CPU profiles map
// samples back to source modules through them); the code is the same.
// Dependencies are bundled too, so only the code the gateway uses is loaded (no unused parts of
// libraries kept in memory), and comments are dropped (with them, non-ASCII text that would make
// V8 hold the whole source as a two-byte string).
import { build } from 'esbuild'

const args = process.argv.slice(2)
const readable = args.includes('--readable')
const [entry = 'adapters/node.ts', outfile = 'dist/node.mjs'] = args.filter((a) => !a.startsWith('--'))
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: !readable,
  legalComments: 'none',
  // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
})
