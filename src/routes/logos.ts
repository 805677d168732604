// The logos Bud's data links to, served by the sandbox itself so that a UI
// shows them with no internet: merchants, payment processors and providers,
// each at a stable URL on the sandbox's own host, drawn once (logos.ts) and
// cacheable for a year. Not one of Bud's operations: Bud serves its logos
// from its own asset host.
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { MERCHANTS, PROCESSORS } from '../domain/data/merchants.js'
import { BudError, ERRORS } from '../domain/errors.js'
import { logoSvg } from '../domain/logos.js'

type Kind = 'merchants' | 'processors'

// A logo's id is a UUID made from its slug: the same everywhere, like Bud's.
// Kept by kind, then slug: a page names a few dozen logos a hundred times.
const ids = { merchants: new Map<string, string>(), processors: new Map<string, string>() }
export function logoId (kind: Kind, slug: string): string {
  let id = ids[kind].get(slug)
  if (id === undefined) {
    const hex = createHash('sha256').update(kind === 'merchants' ? `merchant\n${slug}` : `${kind}\n${slug}`).digest('hex')
    id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`
    ids[kind].set(slug, id)
  }
  return id
}

export const logoUrl = (origin: string, kind: Kind, slug: string) => `${origin}/logos/${kind}/${logoId(kind, slug)}/${slug}.svg`
export const providerLogo = (origin: string, provider: string) => `${origin}/logos/providers/${encodeURIComponent(provider)}.svg`

const YEAR_S = 365 * 24 * 60 * 60

export default async function logoRoutes (fastify: FastifyInstance) {
  const names = new Map<string, string>()
  for (const m of MERCHANTS) names.set(`/logos/merchants/${logoId('merchants', m.slug)}/${m.slug}.svg`, m.displayName)
  for (const p of Object.values(PROCESSORS)) names.set(`/logos/processors/${logoId('processors', p.slug)}/${p.slug}.svg`, p.displayName)
  const drawn = new Map<string, string>()

  const send = (reply: FastifyReply, key: string, draw: () => string) => {
    let svg = drawn.get(key)
    if (svg === undefined) {
      svg = draw()
      drawn.set(key, svg)
    }
    // An image, never a page: nothing in it runs, even opened on its own.
    return reply.type('image/svg+xml').header('cache-control', `public, max-age=${YEAR_S}, immutable`).header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(svg)
  }

  fastify.get<{ Params: { kind: string, id: string, file: string } }>('/logos/:kind/:id/:file', (request, reply) => {
    const path = `/logos/${request.params.kind}/${request.params.id}/${request.params.file}`
    const name = names.get(path)
    if (name === undefined) throw new BudError(ERRORS.routeNotFound)
    return send(reply, path, () => logoSvg(name, 'square'))
  })

  fastify.get<{ Params: { file: string } }>('/logos/providers/:file', (request, reply) => {
    const match = /^(.+)\.svg$/.exec(request.params.file)
    const provider = match === null ? undefined : fastify.worlds.template.fixtures.providers.get(match[1]!)
    if (provider === undefined) throw new BudError(ERRORS.routeNotFound)
    // A provider's own icon when the fixtures give one as an SVG; its drawn one otherwise.
    const given = provider.icon.startsWith('data:image/svg+xml,') ? decoded(provider.icon.slice('data:image/svg+xml,'.length)) : undefined
    return send(reply, `/providers/${provider.name}`, () => given ?? logoSvg(provider.displayName, 'round'))
  })
}

/** A data URL's percent-encoded text, or undefined when it is not well formed (the drawn logo is served then). */
function decoded (text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}
