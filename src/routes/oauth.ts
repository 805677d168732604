// Bud's token endpoint: client_credentials with HTTP Basic, or refresh_token
// with X-Client-Id; form-encoded in, Bud's envelope out. Plus the JWKS that
// verifies the sandbox's signed webhooks.
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import formbody from '@fastify/formbody'
import type { Contract } from '../contract.js'
import { BLANK, BudError, ERRORS, validationError } from '../domain/errors.js'
import { basicCredentials } from '../http/request-context.js'

interface TokenBody {
  grant_type: 'client_credentials' | 'refresh_token'
  refresh_token?: string
}

/** Bud's wording for a bad grant, built from the grant types the document allows. */
function grantTypeMessage (contract: Contract): string {
  const body = contract.operation('oauth_token_post').operation.requestBody!.content['application/x-www-form-urlencoded']!.schema
  const grants = (body.oneOf as { properties: { grant_type: { enum: string[] } } }[]).flatMap((o) => o.properties.grant_type.enum)
  return `grant_type must be one of [${grants.join(' ')}]`
}

export default async function oauthRoutes (fastify: FastifyInstance, { contract, guards }: { contract: Contract, guards: onRequestHookHandler[] }) {
  const checks = fastify.checks
  const { tokens, worlds } = fastify
  const { signer } = fastify.webhooks
  // Form bodies in this plugin's scope only: Bud's other operations take JSON alone.
  await fastify.register(formbody)

  fastify.post<{ Body: TokenBody }>('/v1/oauth/token', {
    schema: contract.routeSchema('oauth_token_post'),
    config: {
      operationId: 'oauth_token_post',
      envelopeOperationId: 'oauth_token_create',
      validationFailure: { message: 'could not extract basic auth headers', errors: { grant_type: grantTypeMessage(contract) } }
    },
    onRequest: guards
  }, async (request, reply) => {
    // A token expires on the clock of the client it is issued to.
    const nowOf = (clientId: string) => worlds.of(clientId).clock.nowMs()
    let issued
    if (request.body.grant_type === 'client_credentials') {
      const credentials = basicCredentials(request.headers.authorization)
      if (credentials === undefined) throw new BudError(ERRORS.tokenBadRequest)
      checks.tokenAsked(request, reply, credentials.clientId)
      issued = tokens.issueForClient(credentials.clientId, credentials.secret, nowOf)
      checks.tokenIssued(credentials.clientId)
      request.log.info({ clientId: credentials.clientId }, 'token issued')
    } else {
      const clientId = request.headers['x-client-id']
      if (typeof clientId !== 'string' || clientId === '') throw validationError({ client_id: BLANK })
      checks.tokenAsked(request, reply, clientId)
      issued = tokens.issueForRefreshToken(clientId, request.body.refresh_token ?? '', nowOf(clientId))
      checks.tokenIssued(clientId)
      request.log.info({ clientId }, 'token refreshed')
    }
    return {
      operation_id: 'oauth_token_create',
      data: { access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn, refresh_token: issued.refreshToken }
    }
  })

  fastify.get('/bud-callback.jwks', { config: { operationId: 'webhook_jwks_get' } }, async () => (await signer()).jwks)
}
