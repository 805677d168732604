// Bud's response envelopes: success `{operation_id, data, metadata}`, client
// error `{operation_id, code_id, message, errors}`, and the minimal 5xx body.
import type { FieldErrors } from '../domain/errors.js'

export interface ErrorEnvelope {
  operation_id: string
  code_id: string
  message: string
  errors: FieldErrors
}

export function errorEnvelope (operationId: string, codeId: string, message: string, errors: FieldErrors = {}): ErrorEnvelope {
  return { operation_id: operationId, code_id: codeId, message, errors }
}

export const SERVER_ERROR_BODY = { message: 'An error occurred while processing your request' } as const
export const UNAVAILABLE_BODY = { message: 'Service unavailable' } as const
