// How the Bud operations read a body: as JSON by its content, not only by its
// label. Postman sends a raw body whose language is not chosen as text/plain,
// and curl or a hand-written client often sends none at all; Bud's gateway
// takes both when the body is JSON, so the sandbox does too. A body that does
// not parse is the usual 400; any other media type (XML, multipart) is a 415.
import type { FastifyBodyParser, FastifyInstance } from 'fastify'
import { BudError, ERRORS } from '../domain/errors.js'

/**
 * Registers the JSON parsers on `scope`: for application/json, text/plain and
 * an unlabelled body. With `empty`, an empty body is that value instead of a
 * 400 (an operation whose body is optional). Any parser the scope inherited is
 * replaced, so a scope calls this once, before its routes.
 */
export function jsonBodies (scope: FastifyInstance, options: { empty?: () => unknown } = {}): void {
  const parse = scope.getDefaultJsonParser('error', 'error')
  const { empty } = options
  const json: FastifyBodyParser<string> = (request, body, done) => {
    if (empty !== undefined && body === '') done(null, empty())
    else parse(request, body, done)
  }
  scope.removeAllContentTypeParsers()
  scope.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, json)
  // Fastify's catch-all takes both an unlabelled body and a label no other parser names.
  scope.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    if (request.headers['content-type'] === undefined) json(request, body as string, done)
    else done(new BudError(ERRORS.unsupportedMediaType, { content_type: 'This value should be application/json' }), undefined)
  })
}
