// Turns every failure into a Bud envelope: validation errors keyed by field,
// the catalogue's BudErrors, Fastify's body-parsing errors, unknown routes
// (404) and known paths with the wrong method (405). A 5xx body says nothing.
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { BLANK, BudError, ERRORS, type ErrorEntry, type FieldErrors } from '../domain/errors.js'
import { errorEnvelope, SERVER_ERROR_BODY } from './envelope.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, by URL pattern: the 405 handler's index, also read by the contract tests. */
    servedRoutes: ServedRoute[]
  }
  interface FastifyContextConfig {
    /** The OpenAPI operationId, echoed as `operation_id` in envelopes. */
    operationId?: string
    /** Where Bud's envelope names the operation differently (the token endpoint). */
    envelopeOperationId?: string
    /** Replaces the message and field errors of a failed validation, for Bud's own wording. */
    validationFailure?: { message: string, errors: FieldErrors }
  }
}

export interface ServedRoute {
  url: string
  pattern: RegExp
  methods: Set<string>
}

interface SchemaError {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

/** Bud names a header field without its `X-` and in snake case: `X-Customer-Id` → `customer_id`. */
export function fieldName (context: string | undefined, path: string): string {
  if (path === '') return context === 'body' ? 'body' : (context ?? 'request')
  const name = path.replace(/^\//, '').replace(/\//g, '.')
  return context === 'headers' ? name.replace(/^x-/, '').replace(/-/g, '_') : name
}

function messageFor (error: SchemaError): string {
  switch (error.keyword) {
    case 'required':
    case 'minLength':
    case 'minItems':
      return BLANK
    case 'format':
      return error.params.format === 'uuid' ? 'This value should be a valid UUID' : `This value should be a valid ${String(error.params.format)}`
    case 'type':
      return `This value should be of type ${String(error.params.type)}`
    case 'additionalProperties':
      return 'This field was not expected'
    case 'enum':
      return `This value should be one of ${(error.params.allowedValues as unknown[]).join(', ')}`
    case 'maximum':
      return `This value should be less than or equal to ${String(error.params.limit)}`
    case 'minimum':
      return `This value should be greater than or equal to ${String(error.params.limit)}`
    case 'maxLength':
      return `This value is too long. It should have ${String(error.params.limit)} characters or less`
    case 'maxItems':
      return `This collection should contain ${String(error.params.limit)} elements or less`
    case 'pattern':
      return `This value should match the pattern ${String(error.params.pattern)}`
    default:
      return `This value ${error.message ?? 'is not valid'}`
  }
}

export function validationErrors (errors: SchemaError[], context: string | undefined): FieldErrors {
  const out: FieldErrors = {}
  for (const error of errors) {
    let path = error.instancePath
    if (error.keyword === 'required') path = `${path}/${String(error.params.missingProperty)}`
    if (error.keyword === 'additionalProperties') path = `${path}/${String(error.params.additionalProperty)}`
    const field = fieldName(context, path)
    out[field] ??= messageFor(error)
  }
  return out
}

function operationIdOf (request: FastifyRequest): string {
  const config = request.routeOptions.config
  return config.envelopeOperationId ?? config.operationId ?? 'unknown'
}

function sendEntry (reply: FastifyReply, operationId: string, entry: ErrorEntry, errors: FieldErrors = {}, message: string = entry.message) {
  return reply.code(entry.statusCode).type('application/json').send(errorEnvelope(entry.operationId ?? operationId, entry.codeId, message, errors))
}

const BODY_ERRORS: Record<string, [ErrorEntry, FieldErrors]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [ERRORS.unsupportedMediaType, { content_type: 'This value should be application/json' }],
  FST_ERR_CTP_BODY_TOO_LARGE: [ERRORS.payloadTooLarge, { body: 'This value is too large' }],
  FST_ERR_CTP_EMPTY_JSON_BODY: [ERRORS.failedValidation, { body: 'This value should not be blank' }],
  FST_ERR_CTP_INVALID_JSON_BODY: [ERRORS.failedValidation, { body: 'This value should be valid JSON' }],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [ERRORS.failedValidation, { body: 'This value does not match its Content-Length' }]
}

/** The kept state cannot be reached (REDIS_URL): 503 in Bud's bare shape, with when to try again. */
export class StateUnavailable extends Error {
  readonly statusCode = 503
  constructor (message: string) {
    super(message)
    this.name = 'StateUnavailable'
  }
}

export function errorHandler (this: FastifyInstance, error: FastifyError | BudError, request: FastifyRequest, reply: FastifyReply) {
  // A body that fails to parse on a route that does not exist: the route is what is wrong.
  if (request.is404) return notFound(this.servedRoutes, request, reply)
  const operationId = operationIdOf(request)
  if (error instanceof BudError) return sendEntry(reply, operationId, error.entry, error.errors, error.message)
  if (error instanceof StateUnavailable) return reply.code(503).header('retry-after', '5').type('application/json; charset=utf-8').send(JSON.stringify({ message: error.message }))
  if (error.validation !== undefined) {
    const custom = request.routeOptions.config.validationFailure
    if (custom !== undefined) return sendEntry(reply, operationId, ERRORS.failedValidation, custom.errors, custom.message)
    return sendEntry(reply, operationId, ERRORS.failedValidation, validationErrors(error.validation as SchemaError[], error.validationContext))
  }
  const known = error.code === undefined ? undefined : BODY_ERRORS[error.code]
  if (known !== undefined) return sendEntry(reply, operationId, known[0], known[1])
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    // Any other client error Fastify raises (a malformed body, an odd header): still a Bud envelope.
    request.log.info({ err: error }, 'client error')
    return sendEntry(reply, operationId, ERRORS.failedValidation, { request: 'This request could not be processed' })
  }
  request.log.error({ err: error }, 'unhandled error')
  return reply.code(500).type('application/json').send(SERVER_ERROR_BODY)
}

/** Answers Fastify's own pre-routing errors (a malformed URL) with an envelope too. */
export function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id)
  request.log.info({ err: error }, 'malformed request')
  return sendEntry(reply, 'unknown', ERRORS.routeNotFound)
}

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (headers
 * too large, a malformed request line) with a Bud envelope on the raw socket.
 */
export function clientErrorHandler (error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const [status, reason] = error.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large']
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request']
  const body = JSON.stringify(errorEnvelope('unknown', 'unknown', reason))
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}

/**
 * Registers the 404/405 handler. Route patterns are collected as routes are
 * added, so a path that exists with other methods answers 405 with `Allow`.
 */
export function registerNotFound (fastify: FastifyInstance): void {
  const routes: ServedRoute[] = []
  fastify.decorate('servedRoutes', routes)
  fastify.addHook('onRoute', (route) => {
    const source = '^' + route.url.split('/').map((part) => {
      if (part.startsWith(':')) return '[^/]+'
      if (part === '*') return '.*'
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    }).join('/') + '/?$'
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const existing = routes.find((r) => r.pattern.source === source)
    if (existing !== undefined) methods.forEach((m) => existing.methods.add(m))
    else routes.push({ url: route.url, pattern: new RegExp(source), methods: new Set(methods) })
  })

  fastify.setNotFoundHandler((request, reply) => notFound(routes, request, reply))
}

function notFound (routes: ServedRoute[], request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0] ?? '/'
  const allowed = new Set<string>()
  for (const route of routes) if (route.pattern.test(path)) route.methods.forEach((m) => allowed.add(m))
  if (allowed.size > 0) {
    reply.header('allow', [...allowed].sort().join(', '))
    return sendEntry(reply, 'unknown', ERRORS.methodNotAllowed)
  }
  return sendEntry(reply, 'unknown', ERRORS.routeNotFound)
}
