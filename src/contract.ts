// openapi.yaml is the single contract. This module reads it once and derives
// what Fastify needs from it: the component schemas (for addSchema) and, per
// operation, the route schema for headers, path parameters and body.
import { readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
// @fastify/swagger loads yaml at start anyway: importing it here costs nothing more.
import { parse } from 'yaml'

export const OPENAPI_FILE = fileURLToPath(new URL('../openapi.yaml', import.meta.url))
/**
 * `npm run build` writes openapi.yaml as JSON beside the compiled modules:
 * parsing the YAML costs ~170 ms of every start, JSON.parse ~2 ms. The YAML
 * stays the only source; the JSON is used only when it is not older.
 */
export const OPENAPI_JSON = fileURLToPath(new URL('./openapi.json', import.meta.url))

async function readDocument (file: string): Promise<OpenApiDocument> {
  if (file === OPENAPI_FILE) {
    try {
      if (statSync(OPENAPI_JSON).mtimeMs >= statSync(OPENAPI_FILE).mtimeMs) return JSON.parse(readFileSync(OPENAPI_JSON, 'utf8'))
    } catch {}
  }
  return parse(readFileSync(file, 'utf8')) as OpenApiDocument
}

/** OpenAPI keywords Ajv does not know; they are annotations, not rules. */
export const OPENAPI_KEYWORDS = ['example', 'xml', 'externalDocs', 'discriminator']
/**
 * Formats Bud's document names that JSON Schema does not define, taken as
 * annotations, not rules: `ISO8601`, and `url` (ajv-formats' own `url` refuses
 * local hosts, which the sandbox's page URLs are).
 */
export const OPENAPI_FORMATS = { ISO8601: true, url: true } as const

type Json = Record<string, unknown>

export interface Parameter {
  name: string
  in: 'header' | 'path' | 'query' | 'cookie'
  required?: boolean
  schema?: Json
}

export interface Operation {
  operationId: string
  parameters?: (Parameter | { $ref: string })[]
  requestBody?: { required?: boolean, content: Record<string, { schema: Json }> }
  responses: Record<string, unknown>
}

export interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Json>, parameters?: Record<string, Parameter>, responses?: Record<string, Json> }
  [key: string]: unknown
}

export interface RouteSchema {
  headers?: Json
  params?: Json
  querystring?: Json
  body?: Json
  response?: Record<string, Json>
}

export interface Contract {
  document: OpenApiDocument
  /** Component schemas with `$id`s, ready for `fastify.addSchema`. */
  schemas: Json[]
  operation (operationId: string): { method: string, path: string, operation: Operation }
  /**
   * The route schema for an operation; with `serialize`, also its success
   * response schemas, which Fastify turns into fast serializers (error
   * bodies keep plain JSON.stringify).
   */
  routeSchema (operationId: string, options?: { serialize?: boolean }): RouteSchema
  /**
   * The JSON schema the document gives for an operation's response with this
   * status (exact code, then `4XX`-style ranges, then `default`): `null` when
   * that response has no body, `undefined` when the status is not listed.
   */
  responseSchema (operationId: string, statusCode: number): Json | null | undefined
}

const COMPONENT_REF = '#/components/schemas/'

/** Rewrites `#/components/schemas/X` refs into `X#`, so each component stands alone under `$id: X`. */
function toSharedRefs<T> (value: T): T {
  if (Array.isArray(value)) return value.map(toSharedRefs) as T
  if (value === null || typeof value !== 'object') return value
  const out: Json = {}
  for (const [key, inner] of Object.entries(value as Json)) {
    out[key] = key === '$ref' && typeof inner === 'string' && inner.startsWith(COMPONENT_REF)
      ? `${inner.slice(COMPONENT_REF.length)}#`
      : toSharedRefs(inner)
  }
  return out as T
}

/** Resolves a local `#/components/...` pointer. */
export function resolvePointer<T> (document: OpenApiDocument, ref: string): T {
  let node: unknown = document
  for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Json)[part]
  if (node === undefined) throw new Error(`openapi.yaml: unresolved $ref ${ref}`)
  return node as T
}

export async function loadContract (file: string = OPENAPI_FILE): Promise<Contract> {
  const document = await readDocument(file)
  const schemas = Object.entries(document.components.schemas).map(([name, schema]) => ({ ...toSharedRefs(schema), $id: name }))

  const operations = new Map<string, { method: string, path: string, operation: Operation }>()
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      operations.set(operation.operationId, { method: method.toUpperCase(), path, operation })
    }
  }

  const operation = (operationId: string) => {
    const found = operations.get(operationId)
    if (found === undefined) throw new Error(`openapi.yaml has no operation ${operationId}`)
    return found
  }

  const routeSchema = (operationId: string, options: { serialize?: boolean } = {}): RouteSchema => {
    const { operation: op } = operation(operationId)
    const parameters = (op.parameters ?? []).map((p) => '$ref' in p ? resolvePointer<Parameter>(document, p.$ref) : p)
    const group = (where: Parameter['in'], lowerCase: boolean): Json | undefined => {
      const list = parameters.filter((p) => p.in === where)
      if (list.length === 0) return undefined
      const name = (p: Parameter) => lowerCase ? p.name.toLowerCase() : p.name
      return {
        type: 'object',
        properties: Object.fromEntries(list.map((p) => [name(p), toSharedRefs(p.schema ?? {})])),
        required: list.filter((p) => p.required === true).map(name)
      }
    }
    const schema: RouteSchema = {}
    const headers = group('header', true)
    const params = group('path', false)
    const querystring = group('query', false)
    if (headers !== undefined) schema.headers = headers
    if (params !== undefined) schema.params = params
    if (querystring !== undefined) schema.querystring = querystring
    // Each operation takes one media type: JSON for most, a form for the token endpoint.
    const content = op.requestBody?.content
    const media = content?.['application/json'] ?? (content === undefined ? undefined : Object.values(content)[0])
    if (media !== undefined) schema.body = toSharedRefs(media.schema)
    if (options.serialize === true) {
      for (const status of Object.keys(op.responses).filter((code) => /^2\d\d$/.test(code))) {
        const response = responseSchema(operationId, Number(status))
        if (response) (schema.response ??= {})[status] = response
      }
    }
    return schema
  }

  const responseSchema = (operationId: string, statusCode: number): Json | null | undefined => {
    const { responses } = operation(operationId).operation
    let response = responses[String(statusCode)] ?? responses[`${String(statusCode)[0]}XX`] ?? responses.default
    if (response === undefined) return undefined
    if (typeof response === 'object' && response !== null && '$ref' in response) {
      response = resolvePointer(document, (response as { $ref: string }).$ref)
    }
    const json = (response as { content?: Record<string, { schema: Json }> }).content?.['application/json']
    return json === undefined ? null : toSharedRefs(json.schema)
  }

  return { document, schemas, operation, routeSchema, responseSchema }
}
