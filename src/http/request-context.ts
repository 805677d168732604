// Reads what a Bud request says about who is asking, once, into typed values
// or a failed_validation error: the client, the customer and the scenario.
import type { FastifyRequest } from 'fastify'
import type { CustomerRef } from '../domain/customers.js'
import type { ScenarioChoice } from '../domain/refresh.js'
import type { Scenario, ScenarioCatalogue } from '../domain/scenarios.js'
import { BLANK, validationError } from '../domain/errors.js'

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

/** X-Customer-Ip-Address: present (and not empty) when the customer started the refresh from their device. */
export function customerIpAddressOf (request: FastifyRequest): string | undefined {
  return header(request, 'x-customer-ip-address')
}

function scenarioNamed (name: string, catalogue: ScenarioCatalogue): Scenario {
  const scenario = catalogue.get(name)
  if (scenario === undefined) {
    throw validationError({ sandbox_scenario: `Unknown scenario "${name.slice(0, 64)}"; valid scenarios are: ${catalogue.names().join(', ')}` })
  }
  return scenario
}

/** The `X-Sandbox-Scenario` header as a scenario, or undefined when absent. */
export function scenarioOf (request: FastifyRequest, catalogue: ScenarioCatalogue): Scenario | undefined {
  const name = header(request, 'x-sandbox-scenario')
  return name === undefined ? undefined : scenarioNamed(name, catalogue)
}

/**
 * The `X-Sandbox-Scenario` header of a V2 refresh: one scenario for every
 * sub-task (`connection_revoked`), or one per provider
 * (`Bank_Of_Bud=connection_revoked, Natwest_Sandbox=success`).
 */
export function scenarioChoiceOf (request: FastifyRequest, catalogue: ScenarioCatalogue): ScenarioChoice | undefined {
  const value = header(request, 'x-sandbox-scenario')
  if (value === undefined) return undefined
  if (!value.includes('=')) return { all: scenarioNamed(value.trim(), catalogue) }
  const byProvider = new Map<string, Scenario>()
  for (const pair of value.split(',')) {
    const [provider, name, extra] = pair.split('=').map((part) => part.trim())
    if (provider === undefined || provider === '' || name === undefined || extra !== undefined) {
      throw validationError({ sandbox_scenario: 'This value should be a scenario name, or provider=scenario pairs separated by commas' })
    }
    byProvider.set(provider, scenarioNamed(name, catalogue))
  }
  return { byProvider }
}

/** HTTP Basic's client id and secret, or undefined when the header is not Basic credentials. */
export function basicCredentials (header: string | undefined): { clientId: string, secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '')
  if (match === null) return undefined
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) return undefined
  return { clientId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}

/** Where the client reached the sandbox (scheme, host and port): the base of the pages' absolute URLs. */
export function originOf (request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}
