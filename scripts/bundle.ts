// The last step of `npm run build`: bundles the server and the API with their
// dependencies into dist/server.js and dist/index.js (esbuild), replacing
// tsc's entry modules. Node then reads a few files instead of resolving and
// loading several hundred modules, which is most of what a cold start costs
// (docs/performance.md). What both entries share goes into a chunk beside
// them, and what loads only on demand (pino-pretty, jose) into chunks of its
// own, read only when used: all in dist/ itself, so paths relative to a
// module (openapi.yaml, fixtures, views) hold in each. The compiled schemas
// (dist/compiled-schemas.cjs) get the few Ajv runtime helpers they require
// inlined, and Swagger UI's static files are copied to dist/swagger-ui/. So
// neither the server nor the API needs node_modules: the image ships none,
// and the package has no dependencies (package.json).
import { cp, readdir, readFile, rm } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { build, type Plugin } from 'esbuild'

const ROOT = join(import.meta.dirname, '..')
const SWAGGER_UI = `${sep}@fastify${sep}swagger-ui${sep}`

// @fastify/swagger-ui finds Swagger UI's files (logo, scripts, styles) through
// __dirname. In the bundle, each __dirname of its modules becomes the same
// folder in dist/swagger-ui/, a copy of the package's files.
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

// Chunks of an earlier build go: their names change with their contents.
const DIST = join(ROOT, 'dist')
for (const name of await readdir(DIST)) if (name.startsWith('_')) await rm(join(DIST, name))
await rm(join(DIST, 'chunks'), { recursive: true, force: true })

await build({
  entryPoints: { server: join(ROOT, 'src', 'server.ts'), index: join(ROOT, 'src', 'index.ts') },
  outdir: join(ROOT, 'dist'),
  chunkNames: '_[name]-[hash]',
  splitting: true,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Stack traces need the mappings, not the sources (src/ is beside dist/): a map a third the size, parsed at every start.
  sourcesContent: false,
  // Entries and chunks stay in dist/, so paths relative to import.meta.url (openapi.yaml, fixtures) still hold.
  plugins: [swaggerUiFiles],
  banner: {
    js: [
      // CommonJS dependencies call require(); an ES module has none unless given one.
      "import { createRequire as __createRequire } from 'node:module';",
      "import { join as __joinPath } from 'node:path';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      'const require = __createRequire(import.meta.url);',
      "const __swaggerUiDir = (within) => __joinPath(__fileURLToPath(new URL('swagger-ui', import.meta.url)), within);"
    ].join('\n')
  },
  logLevel: 'warning'
})

// Swagger UI's files, where the bundle's __swaggerUiDir looks for them.
const swaggerUi = join(ROOT, 'node_modules', '@fastify', 'swagger-ui')
await rm(join(ROOT, 'dist', 'swagger-ui'), { recursive: true, force: true })
await cp(join(swaggerUi, 'static'), join(ROOT, 'dist', 'swagger-ui', 'static'), { recursive: true })

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
