// The last step of `npm run build`: bundles the server and its dependencies
// into dist/server.js (esbuild), replacing tsc's entry module. Node then reads
// one file instead of resolving and loading several hundred modules, which is
// most of what a cold start costs (docs/performance.md). What loads only on
// demand (pino-pretty, jose) goes into chunks of its own beside it, read only
// when used. The compiled schemas (dist/compiled-schemas.cjs) get the few Ajv
// runtime helpers they require inlined. So the server needs no node_modules
// but Swagger UI's static files: that is all the image ships (Dockerfile).
import { readFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { build, type Plugin } from 'esbuild'

const ROOT = join(import.meta.dirname, '..')
const SWAGGER_UI = `${sep}@fastify${sep}swagger-ui${sep}`

// @fastify/swagger-ui finds Swagger UI's files (logo, scripts, styles) through
// __dirname. In the bundle, each __dirname of its modules becomes the folder of
// the installed package, found when the server starts.
const swaggerUiFiles: Plugin = {
  name: 'swagger-ui-files',
  setup (esbuild) {
    esbuild.onLoad({ filter: /[\\/]@fastify[\\/]swagger-ui[\\/].*\.js$/ }, async ({ path }) => {
      const packageRoot = path.slice(0, path.lastIndexOf(SWAGGER_UI) + SWAGGER_UI.length)
      const within = relative(packageRoot, dirname(path))
      const source = await readFile(path, 'utf8')
      return { contents: source.replaceAll('__dirname', `__swaggerUiDir(${JSON.stringify(within)})`), loader: 'js', resolveDir: dirname(path) }
    })
  }
}

await build({
  entryPoints: { server: join(ROOT, 'src', 'server.ts') },
  outdir: join(ROOT, 'dist'),
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Stack traces need the mappings, not the sources (src/ is beside dist/): a map a third the size, parsed at every start.
  sourcesContent: false,
  // The bundle stays in dist/, so paths relative to import.meta.url (openapi.yaml, fixtures) still hold.
  plugins: [swaggerUiFiles],
  banner: {
    js: [
      // CommonJS dependencies call require(); an ES module has none unless given one.
      "import { createRequire as __createRequire } from 'node:module';",
      "import { dirname as __dirnameOf, join as __joinPath } from 'node:path';",
      'const require = __createRequire(import.meta.url);',
      "const __swaggerUiDir = (within) => __joinPath(__dirnameOf(require.resolve('@fastify/swagger-ui/package.json')), within);"
    ].join('\n')
  },
  logLevel: 'warning'
})

// The compiled schemas, with what they require (Ajv's runtime helpers) inlined.
const compiledSchemas = join(ROOT, 'dist', 'compiled-schemas.cjs')
await build({
  entryPoints: [compiledSchemas],
  outfile: compiledSchemas,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning'
})
