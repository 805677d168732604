import t from 'tap'
import { RenderedResponses } from '../../src/http/rendered-responses.js'

t.test('an answer is given again only for the same version of the data, and the kept answers stay within their size', async (t) => {
  const kept = new RenderedResponses(10)
  kept.set('a', 'v1', '1234')
  t.equal(kept.get('a', 'v1'), '1234')
  t.equal(kept.get('a', 'v2'), undefined, 'the data changed since')
  kept.set('b', 'v1', '5678')
  kept.set('c', 'v1', '9012')
  t.equal(kept.get('a', 'v1'), undefined, 'the oldest went to make room')
  t.same([kept.get('b', 'v1'), kept.get('c', 'v1')], ['5678', '9012'])
  kept.set('b', 'v2', '56')
  t.equal(kept.get('b', 'v2'), '56', 'a new version replaces the old')
  kept.set('huge', 'v1', 'x'.repeat(11))
  t.equal(kept.get('huge', 'v1'), undefined, 'an answer larger than the bound is not kept')
  t.equal(kept.get('c', 'v1'), '9012', 'and pushes nothing out')
})
