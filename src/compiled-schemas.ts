// Route schemas compiled at build time, with Fastify's own standalone
// compilers: `npm run build` compiles every route's validators (Ajv) and
// success serializers (fast-json-stringify) into dist/compiled-schemas.cjs,
// and a start restores them instead of compiling (~60 ms of every start).
// Each entry is keyed by a hash of everything it was compiled from (the shared
// schemas, the compiler options, the route, the part and its schema), so a
// stale file can never serve a wrong function: whatever is not found is
// compiled the usual way.
import { createHash } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

// The fallback compilers and the compiled file load through this require.
const require = createRequire(import.meta.url)

export const COMPILED_SCHEMAS_FILE = fileURLToPath(new URL('./compiled-schemas.cjs', import.meta.url))

/** What Fastify hands a compiler for one schema of one route. */
interface RouteSchemaOptions {
  schema: unknown
  method: string
  url: string
  httpPart?: string
  httpStatus?: string
  contentType?: string
}
type Compile = (route: RouteSchemaOptions) => unknown
type CompilerFactory = (externalSchemas: unknown, options: unknown) => Compile

/** Fastify's `schemaController.compilersFactory`. */
export interface SchemaCompilers {
  buildValidator: CompilerFactory
  buildSerializer: CompilerFactory
}

type Kind = 'validator' | 'serializer'
type GeneratedModule = (module: { exports: unknown }, exports: unknown) => void
/** The compiled file's contents: one CommonJS module body per key. */
export type CompiledSchemas = Record<string, GeneratedModule>

const hash = (value: unknown): string => createHash('sha1').update(JSON.stringify(value) ?? '').digest('base64url')

function keyOf (kind: Kind, context: string, route: RouteSchemaOptions): string {
  const { schema, method, url, httpPart, httpStatus, contentType } = route
  return hash([kind, context, method, url, httpPart ?? httpStatus ?? null, contentType ?? null, schema])
}

/** Compilers that compile as usual and hand each function's standalone source to `store`. */
export function recordingCompilers (store: Map<string, string>): SchemaCompilers {
  const { StandaloneValidator } = require('@fastify/ajv-compiler')
  const { StandaloneSerializer } = require('@fastify/fast-json-stringify-compiler')
  const record = (kind: Kind, standalone: (options: object) => CompilerFactory): CompilerFactory => (externalSchemas, options) => {
    const context = hash([externalSchemas, options])
    let key = ''
    // The standalone compilers write into the options they get, and fast-json-stringify into the
    // shared schemas it merges (allOf): they get copies, so what later keys hash stays as Fastify gave it.
    const compile = standalone({ readMode: false, storeFunction: (_route: unknown, code: string) => store.set(key, code) })(structuredClone(externalSchemas), { ...(options as object) })
    return (route) => {
      key = keyOf(kind, context, route)
      // A route's schema is shared with its HEAD route, and fast-json-stringify writes into
      // what it compiles (oneOf, allOf): a copy keeps the next key as Fastify gave it.
      return compile({ ...route, schema: structuredClone(route.schema) })
    }
  }
  return { buildValidator: record('validator', StandaloneValidator), buildSerializer: record('serializer', StandaloneSerializer) }
}

/** Compilers that restore functions from `compiled`, compiling (Fastify's defaults) only what it lacks. */
export function restoringCompilers (compiled: CompiledSchemas): SchemaCompilers {
  const restore = (kind: Kind, fallback: () => CompilerFactory): CompilerFactory => (externalSchemas, options) => {
    const context = hash([externalSchemas, options])
    let compile: Compile | undefined
    return (route) => {
      const generated = compiled[keyOf(kind, context, route)]
      if (generated === undefined) {
        compile ??= fallback()(structuredClone(externalSchemas), options)
        return compile({ ...route, schema: structuredClone(route.schema) })
      }
      const module = { exports: {} }
      generated(module, module.exports)
      return module.exports
    }
  }
  return {
    buildValidator: restore('validator', () => require('@fastify/ajv-compiler')()),
    buildSerializer: restore('serializer', () => require('@fastify/fast-json-stringify-compiler')())
  }
}

/**
 * Writes the compiled functions as one CommonJS file. What they require (Ajv's
 * runtime helpers) is required once at its top, where a bundler finds and
 * inlines it (scripts/bundle.ts): the built server then needs no node_modules
 * for them.
 */
export function writeCompiledSchemas (file: string, store: Map<string, string>): void {
  const required = [...new Set([...store.values()].flatMap((code) => [...code.matchAll(/require\((["'])([^"']+)\1\)/g)].map((m) => m[2]!)))].sort()
  const runtime = required.map((id) => `  ${JSON.stringify(id)}: require(${JSON.stringify(id)})`)
  const entries = [...store].map(([key, code]) => `${JSON.stringify(key)}: function (module, exports) {\nconst require = __required\n${code}\n}`)
  writeFileSync(file, [
    '// Written by `npm run build` (src/compiled-schemas.ts); do not edit.',
    `const __runtime = {\n${runtime.join(',\n')}\n}`,
    'const __required = (id) => __runtime[id]',
    `module.exports = {\n${entries.join(',\n')}\n}`,
    ''
  ].join('\n'))
}

/** The compiled file, or undefined when there is none (running from source). */
export function loadCompiledSchemas (file = COMPILED_SCHEMAS_FILE): CompiledSchemas | undefined {
  return existsSync(file) ? require(file) as CompiledSchemas : undefined
}
