// The one catalogue of errors the sandbox answers with. Every failure a client
// can cause maps to an entry here; the HTTP error handler turns a BudError into
// Bud's error envelope, so the domain never needs to know about HTTP bodies.

export const ERRORS = {
  failedValidation: { statusCode: 400, codeId: 'failed_validation', message: 'Failed validation' },
  providerMaintenance: { statusCode: 400, codeId: 'provider_maintenance', message: 'The provider is in maintenance.' },
  unauthorised: { statusCode: 401, codeId: 'unknown', message: 'Unauthorised request', operationId: 'unknown' },
  tokenUnauthorised: { statusCode: 401, codeId: 'unauthorised', message: 'Unauthorised.' },
  tokenBadRequest: { statusCode: 400, codeId: 'failed_validation', message: 'could not extract basic auth headers' },
  // Bud answers wrong client credentials without naming the operation.
  badCredentials: { statusCode: 400, codeId: 'unknown', message: 'Unauthorised request', operationId: 'unknown' },
  tokenInvalid: { statusCode: 401, codeId: 'token_invalid', message: 'The access token is invalid.' },
  tokenExpired: { statusCode: 401, codeId: 'token_expired', message: 'The access token has expired.' },
  customerNotFound: { statusCode: 401, codeId: 'customer_not_found', message: 'The customer could not be found.' },
  taskNotFound: { statusCode: 404, codeId: 'task_not_found', message: 'The task could not be found.' },
  accountNotFound: { statusCode: 404, codeId: 'account_not_found', message: 'The specified account could not be found. Please check the account identifier is correct. The account might be closed or suspended.' },
  // Sandbox-only: an admin change at the bank of a connection the customer does not have.
  adminConnectionNotFound: { statusCode: 404, codeId: 'connection_not_found', message: 'The customer has no connection with this provider.' },
  // Remove Customer V3 of a customer Bud does not know (or deleted already).
  deleteCustomerNotFound: { statusCode: 404, codeId: 'customer_not_found', message: 'The customer could not be found.' },
  // Sandbox-only: a control without the ADMIN_TOKEN a locked sandbox asks for.
  adminTokenRequired: { statusCode: 401, codeId: 'unauthorised', message: 'This sandbox\'s controls need Authorization: Bearer <ADMIN_TOKEN>.' },
  // Sandbox-only: an admin read of a customer the sandbox does not know.
  adminCustomerNotFound: { statusCode: 404, codeId: 'customer_not_found', message: 'The customer could not be found.' },
  // Reconfirm Consent of a consent the customer does not have.
  consentNotFound: { statusCode: 404, codeId: 'consent_not_found', message: 'The consent could not be found.' },
  // Initiate Provider Authorisation with a consent_id the customer does not have (Bud's own example).
  consentIdNotFound: { statusCode: 400, codeId: 'resource_not_found', message: 'Consent ID could not be found.' },
  // Submit Authorisation Codes V2 with a code submitted before.
  authUsed: { statusCode: 409, codeId: 'auth_used', message: 'auth code has been used before' },
  // Retrieve Authorisation Gateway URL naming providers that are all in maintenance.
  gatewayProvidersInMaintenance: { statusCode: 422, codeId: 'provider_maintenance', message: 'The requested providers are in maintenance.' },
  // The sandbox's pages: an authorisation the mock bank does not know, one answered already, a Bud Connect link.
  authorisationNotFound: { statusCode: 404, codeId: 'authorisation_not_found', message: 'This authorisation could not be found. Ask for a new link.' },
  authorisationAnswered: { statusCode: 409, codeId: 'authorisation_answered', message: 'This authorisation has been answered already.' },
  gatewayLinkNotFound: { statusCode: 404, codeId: 'link_not_found', message: 'This Bud Connect link could not be found.' },
  gatewayLinkExpired: { statusCode: 410, codeId: 'link_expired', message: 'This Bud Connect link has expired: links are valid for 30 minutes. Ask for a new one.' },
  // Sandbox-only, with CHECKS=strict: a request that breaks Bud's guidance (see findings/watch.ts).
  integrationCheck: { statusCode: 409, codeId: 'integration_check_failed', message: 'Integration check failed' },
  routeNotFound: { statusCode: 404, codeId: 'unknown', message: 'Route or resource not found' },
  methodNotAllowed: { statusCode: 405, codeId: 'unknown', message: 'Method not allowed' },
  payloadTooLarge: { statusCode: 413, codeId: 'payload_too_large', message: 'The request body is too large.' },
  unsupportedMediaType: { statusCode: 415, codeId: 'unsupported_media_type', message: 'The request content type is not supported.' },
  serviceUnavailable: { statusCode: 503, codeId: 'unknown', message: 'Service unavailable' }
} as const satisfies Record<string, ErrorEntry>

export interface ErrorEntry {
  statusCode: number
  codeId: string
  message: string
  /** Overrides the answering operation's id in the envelope. */
  operationId?: string
}

/** Field-keyed messages, as in Bud's `errors` object. */
export type FieldErrors = Record<string, string>

export class BudError extends Error {
  readonly entry: ErrorEntry
  readonly errors: FieldErrors

  constructor (entry: ErrorEntry, errors: FieldErrors = {}, message: string = entry.message) {
    // An expected client error: no stack trace to capture (it is most of the cost of throwing one).
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(message)
    Error.stackTraceLimit = limit
    this.name = 'BudError'
    this.entry = entry
    this.errors = errors
  }

  get statusCode (): number {
    return this.entry.statusCode
  }
}

export const BLANK = 'This value should not be blank'

export function validationError (errors: FieldErrors): BudError {
  return new BudError(ERRORS.failedValidation, errors)
}
