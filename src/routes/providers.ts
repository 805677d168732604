// Bud's Retrieve OB Providers: the providers the fixtures declare, with their
// maintenance status on the sandbox clock. Thin: filter and shape.
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import type { Contract } from '../contract.js'
import { toIso } from '../domain/clock.js'
import { validationError } from '../domain/errors.js'
import { inMaintenance, PROVIDER_SCOPES, PROVIDER_TYPES, type Provider } from '../domain/world.js'
import { budRoute } from '../http/bud-route.js'
import { oneOf, single, type Query } from '../http/query.js'
import { clientIdOf } from '../http/request-context.js'

export function providerView (provider: Provider, nowMs: number) {
  const window = provider.maintenanceWindow
  return {
    provider: provider.name,
    display_name: provider.displayName,
    maintenance_window: window === undefined ? null : window.endMs === undefined ? { start: toIso(window.startMs) } : { start: toIso(window.startMs), end: toIso(window.endMs) },
    maintenance_status: inMaintenance(provider, nowMs) ? 'active' : 'inactive',
    icon: provider.icon,
    regions: provider.regions,
    mobile_only: provider.mobileOnly
  }
}

export default async function providerRoutes (fastify: FastifyInstance, { contract, guards }: { contract: Contract, guards: onRequestHookHandler[] }) {
  const { worlds } = fastify
  const { fixtures } = worlds.template

  fastify.get<{ Querystring: Query }>('/v1/open-banking/providers', budRoute(contract, guards, 'open_banking_providers_get', { ownQuery: true }), (request) => {
    // Maintenance windows are on the client's clock.
    const { clock } = worlds.of(clientIdOf(request))
    const query = request.query
    const type = single(query, 'types') === undefined ? undefined : oneOf(query, 'types', PROVIDER_TYPES, 'sandbox')
    const scope = single(query, 'scopes') === undefined ? undefined : oneOf(query, 'scopes', PROVIDER_SCOPES, 'accounts')
    const region = single(query, 'region')
    if (region !== undefined && region !== 'GBR') throw validationError({ region: 'This value should be one of GBR' })
    const nowMs = clock.nowMs()
    const providers = [...fixtures.providers.values()].filter((p) =>
      (type === undefined || p.types.includes(type)) &&
      (scope === undefined || p.scopes.includes(scope)) &&
      (region === undefined || p.regions.includes(region)))
    // No metadata, as Bud's example: its schema (one of a results object or any object) fits no object.
    return { operation_id: 'open_banking_providers_get', data: providers.map((p) => providerView(p, nowMs)) }
  })
}
