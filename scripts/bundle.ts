// The CLI as bundled files (esbuild), written over tsc's dist/src/cli/main.js and
// dist/workers/transfer.js: a sync then loads and links ~40 modules at start instead of ~180,
// which is most of a short run's start-up CPU (docs/benchmarks.md, issue 13). Lazy imports stay lazy:
// each becomes a chunk in dist/src/chunks/, loaded when a command needs it. The small packages
// every run loads (commander, p-queue and its two, picomatch, ini) are bundled too: each is
// several modules for Node's ESM loader, ~10 ms of a run's start-up CPU in all (docs/benchmarks.md).
// The large or lazily loaded ones stay external (node_modules as installed): the SDK (required
// only when a request needs it), piscina (its worker file), BullMQ (its Lua scripts), ioredis,
// prom-client. Bundled CommonJS requires Node's built-ins through `require`, which an ES module
// has not: the banner makes one per output file. The library entry (dist/src/index.js) stays tsc's.
// Chunks sit two levels below dist/, as every module of tsc's tree does, so paths built from
// import.meta.url (the worker entry, package.json) resolve the same.
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const result = await build({
  entryPoints: { 'src/cli/main': 'src/cli/main.ts', 'workers/transfer': 'workers/transfer.ts' },
  outdir: 'dist',
  chunkNames: 'src/chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@aws-sdk/*', '@smithy/*', 'bullmq', 'ioredis', 'piscina', 'prom-client'],
  banner: {
    js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);",
  },
  allowOverwrite: true,
  logLevel: 'warning',
  metafile: true,
});

// Which source modules each output holds (`dist/src/chunks/chunk-X.js` → `src/engine/run.ts`, …):
// test/e2e/startup-cli.test.ts reads it to say which of our modules a command loaded.
const outputs = Object.fromEntries(
  Object.entries(result.metafile.outputs).map(([path, output]) => [
    path,
    Object.keys(output.inputs),
  ]),
);
writeFileSync('dist/bundle-meta.json', `${JSON.stringify(outputs, null, 1)}\n`);
