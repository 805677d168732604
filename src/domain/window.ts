// The refresh window: which period of transactions a refresh asks the provider
// for. Bud's rules: `from` defaults to the last pull less seven days, `to` to
// now, and neither may reach further back than 90 days.
import { DateTime } from 'luxon'
import { validationError, type FieldErrors } from './errors.js'

export const MAX_LOOKBACK_DAYS = 90
export const DEFAULT_OVERLAP_DAYS = 7
const DAY_MS = 24 * 60 * 60 * 1000

export interface RefreshWindow {
  fromMs: number
  toMs: number
}

export interface WindowRequest {
  from?: string | undefined
  to?: string | undefined
}

function parseInstant (value: string): number | undefined {
  const parsed = DateTime.fromISO(value, { zone: 'utc' })
  return parsed.isValid ? parsed.toMillis() : undefined
}

/**
 * Resolves the window for a refresh requested at `nowMs` on a connection last
 * pulled at `lastPullAtMs`, or throws a failed_validation error keyed by field.
 * A defaulted `from` is kept inside [now − 90 days, to], so a connection that
 * has not been pulled for months still refreshes instead of failing.
 */
export function resolveWindow (request: WindowRequest, nowMs: number, lastPullAtMs: number): RefreshWindow {
  const earliestMs = nowMs - MAX_LOOKBACK_DAYS * DAY_MS
  // Most refreshes name no window: nothing to check.
  if (request.from === undefined && request.to === undefined) {
    return { fromMs: Math.min(Math.max(lastPullAtMs - DEFAULT_OVERLAP_DAYS * DAY_MS, earliestMs), nowMs), toMs: nowMs }
  }
  const errors: FieldErrors = {}

  let toMs = nowMs
  if (request.to !== undefined) {
    const parsed = parseInstant(request.to)
    if (parsed === undefined) errors.to = 'This value should be an ISO 8601 datetime'
    else if (parsed > nowMs) errors.to = 'This value should not be in the future'
    else if (parsed < earliestMs) errors.to = `This value should not be more than ${MAX_LOOKBACK_DAYS} days in the past`
    else toMs = parsed
  }

  let fromMs: number
  if (request.from !== undefined) {
    const parsed = parseInstant(request.from)
    if (parsed === undefined) errors.from = 'This value should be an ISO 8601 datetime'
    else if (parsed < earliestMs) errors.from = `This value should not be more than ${MAX_LOOKBACK_DAYS} days in the past`
    else if (parsed > nowMs) errors.from = 'This value should not be in the future'
    fromMs = parsed ?? nowMs
    if (errors.from === undefined && errors.to === undefined && toMs < fromMs) {
      errors.to = 'This value should not be before from'
    }
  } else {
    const defaulted = lastPullAtMs - DEFAULT_OVERLAP_DAYS * DAY_MS
    fromMs = Math.min(Math.max(defaulted, earliestMs), toMs)
  }

  if (Object.keys(errors).length > 0) throw validationError(errors)
  return { fromMs, toMs }
}
