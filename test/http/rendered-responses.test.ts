import t from 'tap'
import fc from 'fast-check'
import fastJson from 'fast-json-stringify'
import { RenderedResponses, serializedBytes } from '../../src/http/rendered-responses.js'

t.test('an answer is given again only for the same version of the data, and the kept answers stay within their size', async (t) => {
  const kept = new RenderedResponses(10)
  const text = (key: string, version: string) => kept.get(key, version)?.toString()
  const set = (key: string, version: string, body: string) => kept.set(key, version, Buffer.from(body)).toString()
  t.equal(set('a', 'v1', '1234'), '1234', 'what is kept is what is sent')
  t.equal(text('a', 'v1'), '1234')
  t.equal(kept.get('a', 'v2'), undefined, 'the data changed since')
  set('b', 'v1', '5678')
  set('c', 'v1', '9012')
  t.equal(kept.get('a', 'v1'), undefined, 'the oldest went to make room')
  t.same([text('b', 'v1'), text('c', 'v1')], ['5678', '9012'])
  set('b', 'v2', '56')
  t.equal(text('b', 'v2'), '56', 'a new version replaces the old')
  t.equal(set('huge', 'v1', 'x'.repeat(11)), 'x'.repeat(11), 'an answer larger than the bound is still sent')
  t.equal(kept.get('huge', 'v1'), undefined, 'but not kept')
  t.equal(text('c', 'v1'), '9012', 'and pushes nothing out')
  set('d', 'v1', '£12')
  t.equal(kept.get('d', 'v1')?.length, 4, 'the bound counts bytes, not characters')
})

// An envelope shaped as Bud's (operation_id, data, metadata), with items that
// have what transactions have: texts to escape, numbers, nested objects and
// arrays, fields left out, and a field the schema does not name.
const envelope = fastJson({
  type: 'object',
  properties: {
    operation_id: { type: 'string' },
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          transaction_id: { type: 'string' },
          description: { type: 'string' },
          amount: { type: 'object', properties: { value: { type: 'string' }, currency: { type: 'string' } } },
          tags: { type: 'array', items: { type: 'string' } },
          confidence: { type: 'number' }
        }
      }
    },
    metadata: { type: 'object', properties: { results: { type: 'integer' }, next_page_token: { type: 'string' } } }
  }
})
const ENVELOPE = (body: unknown) => envelope(body as object)
const item = fc.record({
  transaction_id: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }),
  description: fc.string({ unit: 'binary', maxLength: 60 }),
  amount: fc.record({ value: fc.float({ noNaN: true }).map(String), currency: fc.constantFrom('GBP', 'EUR') }),
  tags: fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }),
  confidence: fc.double({ noNaN: true, noDefaultInfinity: true }),
  provider: fc.string()
}, { requiredKeys: ['transaction_id', 'amount'] })

t.test('an answer serialized a few items at a time is the same bytes as serialized whole', async (t) => {
  fc.assert(fc.property(fc.array(item, { maxLength: 60 }), fc.integer({ min: 1, max: 30 }), fc.option(fc.string(), { nil: undefined }), (data, itemsPerPiece, token) => {
    const body = { operation_id: 'v2_transactions_get', data, metadata: { results: data.length, next_page_token: token } }
    return serializedBytes(ENVELOPE, body, itemsPerPiece).equals(Buffer.from(ENVELOPE(body)))
  }), { numRuns: 300, seed: 37 })
  // Answers without a list of items are serialized whole.
  t.equal(serializedBytes(ENVELOPE, { operation_id: 'x', metadata: { results: 0 } }, 1).toString(), '{"operation_id":"x","metadata":{"results":0}}')
  const noData = fastJson({ type: 'object', properties: { items: { type: 'array', items: { type: 'integer' } } } })
  t.equal(serializedBytes((body) => noData(body as object), { items: [1, 2, 3] }, 1).toString(), '{"items":[1,2,3]}')
})
