// Reads the query parameters of Bud's list and data operations into typed
// values, or a failed_validation error naming the parameter. Query strings
// are text: numbers, booleans, dates and repeated values are read here, once,
// in Bud's words, rather than coerced by the schema compiler.
import { DateTime } from 'luxon'
import { validationError } from '../domain/errors.js'

export type Query = Record<string, string | string[] | undefined>

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

/** A parameter given once, or undefined; given twice is an error. */
export function single (query: Query, name: string): string | undefined {
  const value = query[name]
  if (Array.isArray(value)) throw validationError({ [name]: 'This value should be given once' })
  return value === '' ? undefined : value
}

/** A parameter that takes several values: repeated, comma-separated, or both. */
export function several (query: Query, name: string): string[] | undefined {
  const value = query[name]
  if (value === undefined) return undefined
  const values = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')
  return values.length === 0 ? undefined : values
}

/** A whole number in [min, max], or `fallback` when absent. */
export function wholeNumber (query: Query, name: string, min: number, max: number, fallback: number): number {
  const value = single(query, name)
  if (value === undefined) return fallback
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN
  if (!(n >= min && n <= max)) throw validationError({ [name]: `This value should be a whole number from ${min} to ${max}` })
  return n
}

export function flag (query: Query, name: string): boolean | undefined {
  const value = single(query, name)
  if (value === undefined) return undefined
  if (value !== 'true' && value !== 'false') throw validationError({ [name]: 'This value should be true or false' })
  return value === 'true'
}

/**
 * An RFC 3339 instant, or a date (YYYY-MM-DD) taken as UTC: its start, or
 * with `endOfDay` its last millisecond (so `date_to=2026-11-30` includes the 30th).
 */
export function instant (query: Query, name: string, options: { endOfDay?: boolean } = {}): number | undefined {
  const value = single(query, name)
  if (value === undefined) return undefined
  const parsed = DateTime.fromISO(value, { zone: 'utc' })
  const dateOnly = DATE_ONLY.test(value)
  if (!parsed.isValid || value.length > 40 || (!dateOnly && !value.includes('T'))) {
    throw validationError({ [name]: 'This value should be an RFC 3339 datetime or a date (YYYY-MM-DD)' })
  }
  return dateOnly && options.endOfDay === true ? parsed.endOf('day').toMillis() : parsed.toMillis()
}

/** One of `allowed`, or `fallback` when absent. */
export function oneOf<T extends string> (query: Query, name: string, allowed: readonly T[], fallback: T): T {
  const value = single(query, name)
  if (value === undefined) return fallback
  if (!(allowed as readonly string[]).includes(value)) throw validationError({ [name]: `This value should be one of ${allowed.join(', ')}` })
  return value as T
}

/** Page tokens: base64url of a small JSON array, checked for shape when read; never an index into memory. */
export function encodeToken (position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url')
}

export function decodeToken (query: Query, name: string, shape: readonly ('number' | 'string')[]): (string | number)[] | undefined {
  const value = single(query, name)
  if (value === undefined) return undefined
  const invalid = () => validationError({ [name]: 'This value is not a page token from this operation; start from the first page without it' })
  if (value.length > 512 || !/^[\w-]+$/.test(value)) throw invalid()
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
  } catch {
    throw invalid()
  }
  if (!Array.isArray(decoded) || decoded.length !== shape.length) throw invalid()
  const ok = decoded.every((v, i) => shape[i] === 'number' ? Number.isSafeInteger(v) : typeof v === 'string' && v.length > 0 && v.length <= 128)
  if (!ok) throw invalid()
  return decoded as (string | number)[]
}
