// Amounts as Bud writes them ("1250.00", a string in the currency's major
// unit) and as the sandbox counts them (whole pence, so sums are exact).
// An amount is at most MAX_AMOUNT: with at most 11,000 transactions a bank
// (MAX_GIVEN_TRANSACTIONS + MAX_ADDED_TRANSACTIONS), any sum of them stays far
// below 2^53 pence, where a JavaScript number stops being exact.

/** The largest amount the sandbox takes, as Bud writes it. */
export const MAX_AMOUNT = '999999999.99'
const MONEY = /^(-?)(\d{1,9})(?:\.(\d{1,2}))?$/

/** Whole minor units of a Bud amount, or undefined when it is not one. */
export function parseMoney (value: string): number | undefined {
  const match = MONEY.exec(value)
  if (match === null) return undefined
  const pence = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'))
  return match[1] === '-' ? -pence : pence
}

/** A non-negative amount of minor units as Bud writes it: "12.30". */
export function formatPence (pence: number): string {
  const whole = Math.floor(pence / 100)
  const rest = pence % 100
  return `${whole}.${rest < 10 ? '0' : ''}${rest}`
}
