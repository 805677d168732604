// How the Bud operations read a body: as JSON by its content, not only by its
// label. Postman sends a raw body whose language is not chosen as text/plain,
// and curl or a hand-written client often sends none at all; Bud's gateway
// takes both when the body is JSON, so the sandbox does too. A body that does
// not parse is the usual 400; any other media type (XML, multipart) is a 415,
// answered before the body is read.
import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyBodyParser, FastifyInstance } from 'fastify'

const JSON_LABELS = ['application/json', 'text/plain']

/**
 * Registers the JSON parsers on `scope`, for application/json and text/plain.
 * With `empty`, an empty body is that value instead of a 400 (an operation
 * whose body is optional). The scope's inherited parsers for these types are
 * replaced, so a scope calls this once, before its routes.
 */
export function jsonBodies (scope: FastifyInstance, options: { empty?: () => unknown } = {}): void {
  const parse = scope.getDefaultJsonParser('error', 'error')
  const { empty } = options
  const json: FastifyBodyParser<string> = (request, body, done) => {
    if (empty !== undefined && body === '') done(null, empty())
    else parse(request, body, done)
  }
  for (const label of JSON_LABELS) if (scope.hasContentTypeParser(label)) scope.removeContentTypeParser(label)
  scope.addContentTypeParser(JSON_LABELS, { parseAs: 'string' }, json)
}

/**
 * A request with a body and no Content-Type is read as JSON: called before
 * Fastify picks the parser. A request without a body is left alone.
 */
export function labelUnlabelledBody (headers: IncomingHttpHeaders): void {
  if (headers['content-type'] !== undefined) return
  const length = headers['content-length']
  if ((length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined) headers['content-type'] = 'application/json'
}
