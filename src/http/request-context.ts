// Reads what a Bud request says about who is asking, once, into typed values
// or a failed_validation error: the client, the customer and the scenario.
import type { FastifyRequest } from 'fastify'
import type { CustomerRef } from '../domain/customers.js'
import type { Scenario, ScenarioCatalogue } from '../domain/scenarios.js'
import { BLANK, validationError } from '../errors.js'

function header (request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

// The client id a task keeps: the one before when it is the same text, so a
// run of one client's requests keeps one string, not a copy per task.
let lastClientId = ''

export function clientIdOf (request: FastifyRequest): string {
  const clientId = header(request, 'x-client-id')
  if (clientId === undefined) throw validationError({ client_id: BLANK })
  return clientId === lastClientId ? lastClientId : (lastClientId = clientId)
}

export function customerRefOf (request: FastifyRequest): CustomerRef {
  const customerId = header(request, 'x-customer-id')
  if (customerId !== undefined) return { customerId }
  const idempotentIdentifier = header(request, 'x-customer-idempotent-identifier')
  if (idempotentIdentifier !== undefined) return { idempotentIdentifier }
  throw validationError({ customer_id: BLANK })
}

/** The `X-Sandbox-Scenario` header as a scenario, or undefined when absent. */
export function scenarioOf (request: FastifyRequest, catalogue: ScenarioCatalogue): Scenario | undefined {
  const name = header(request, 'x-sandbox-scenario')
  if (name === undefined) return undefined
  const scenario = catalogue.get(name)
  if (scenario === undefined) {
    throw validationError({ sandbox_scenario: `Unknown scenario "${name.slice(0, 64)}"; valid scenarios are: ${catalogue.names().join(', ')}` })
  }
  return scenario
}
