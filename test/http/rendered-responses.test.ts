import t from 'tap'
import { RenderedResponses } from '../../src/http/rendered-responses.js'

t.test('an answer is given again only for the same version of the data, and the kept answers stay within their size', async (t) => {
  const kept = new RenderedResponses(10)
  const text = (key: string, version: string) => kept.get(key, version)?.toString()
  t.equal(kept.set('a', 'v1', '1234').toString(), '1234', 'what is kept is what is sent')
  t.equal(text('a', 'v1'), '1234')
  t.equal(kept.get('a', 'v2'), undefined, 'the data changed since')
  kept.set('b', 'v1', '5678')
  kept.set('c', 'v1', '9012')
  t.equal(kept.get('a', 'v1'), undefined, 'the oldest went to make room')
  t.same([text('b', 'v1'), text('c', 'v1')], ['5678', '9012'])
  kept.set('b', 'v2', '56')
  t.equal(text('b', 'v2'), '56', 'a new version replaces the old')
  t.equal(kept.set('huge', 'v1', 'x'.repeat(11)).toString(), 'x'.repeat(11), 'an answer larger than the bound is still sent')
  t.equal(kept.get('huge', 'v1'), undefined, 'but not kept')
  t.equal(text('c', 'v1'), '9012', 'and pushes nothing out')
  kept.set('d', 'v1', '£12')
  t.equal(kept.get('d', 'v1')?.length, 4, 'the bound counts bytes, not characters')
})
