// The last step of `npm run build`: bundles the server and its dependencies
// into dist/server.js (esbuild), replacing tsc's entry module. Node then reads
// one file instead of resolving and loading several hundred modules, which is
// most of what a cold start costs (README, "Performance and limits").
// Kept out of the bundle: what loads only on demand (pino-pretty, jose).
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
  entryPoints: [join(ROOT, 'src', 'server.ts')],
  outfile: join(ROOT, 'dist', 'server.js'),
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // The bundle stays in dist/, so paths relative to import.meta.url (openapi.yaml, fixtures) still hold.
  external: ['pino-pretty', 'jose'],
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
