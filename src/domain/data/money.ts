// Amounts as Bud writes them ("1250.00", a string in the currency's major
// unit) and as the sandbox counts them (whole pence, so sums are exact).

const MONEY = /^(-?)(\d{1,12})(?:\.(\d{1,2}))?$/

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
