// Working days in England and Wales, as a bank counts them: weekends and the
// bank holidays off. A holiday's date follows the rules of the Banking and
// Financial Dealings Act and the yearly proclamations — New Year, Good Friday,
// Easter Monday, the first and last Mondays of May, the last Monday of
// August, Christmas and Boxing Day, moved to the next weekday when they fall
// at a weekend — with the one-off changes of recent years written out.
// Days are UTC days since 1970, as the bank's history counts them.

const DAY_MS = 24 * 60 * 60 * 1000

const dayOf = (year: number, month: number, date: number) => Math.floor(Date.UTC(year, month - 1, date) / DAY_MS)
/** 0 = Sunday … 6 = Saturday. */
export const weekdayOf = (day: number) => (day + 4) % 7
const isWeekend = (day: number) => { const w = weekdayOf(day); return w === 0 || w === 6 }

/** Easter Sunday (the anonymous Gregorian algorithm). */
function easter (year: number): number {
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const month = Math.floor((h + l - 7 * m + 114) / 31)
  const date = ((h + l - 7 * m + 114) % 31) + 1
  return dayOf(year, month, date)
}

/** The first (n = 1) or last (n = -1) Monday of a month. */
function monday (year: number, month: number, n: 1 | -1): number {
  if (n === 1) {
    const first = dayOf(year, month, 1)
    return first + ((8 - weekdayOf(first)) % 7)
  }
  const last = dayOf(year, month + 1, 1) - 1
  return last - ((weekdayOf(last) + 6) % 7)
}

/** Proclaimed changes: a holiday moved, or one added for a national event. */
const MOVED: Record<number, { drop?: number, add: number[] }> = {
  2020: { drop: dayOf(2020, 5, 4), add: [dayOf(2020, 5, 8)] }, // VE Day
  2022: { drop: dayOf(2022, 5, 30), add: [dayOf(2022, 6, 2), dayOf(2022, 6, 3), dayOf(2022, 9, 19)] }, // Platinum Jubilee; the Queen's funeral
  2023: { add: [dayOf(2023, 5, 8)] } // the King's coronation
}

const holidays = new Map<number, Set<number>>()

/** England and Wales bank holidays of a year. */
export function bankHolidays (year: number): Set<number> {
  let found = holidays.get(year)
  if (found !== undefined) return found
  const out: number[] = []
  const newYear = dayOf(year, 1, 1)
  out.push(isWeekend(newYear) ? newYear + (weekdayOf(newYear) === 6 ? 2 : 1) : newYear)
  const e = easter(year)
  out.push(e - 2, e + 1)
  out.push(monday(year, 5, 1), monday(year, 5, -1), monday(year, 8, -1))
  const christmas = dayOf(year, 12, 25)
  const w = weekdayOf(christmas)
  // Christmas on a Saturday: Monday and Tuesday; on a Sunday: Tuesday (Boxing Day on the Monday); on a Friday: Boxing Day on the Monday.
  if (w === 6) out.push(christmas + 2, christmas + 3)
  else if (w === 0) out.push(christmas + 1, christmas + 2)
  else if (w === 5) out.push(christmas, christmas + 3)
  else out.push(christmas, christmas + 1)
  const moved = MOVED[year]
  found = new Set(out.filter((d) => d !== moved?.drop).concat(moved?.add ?? []))
  if (holidays.size > 256) holidays.clear()
  holidays.set(year, found)
  return found
}

const yearOf = (day: number) => new Date(day * DAY_MS).getUTCFullYear()

// Whether each day from 1970 to 2189 is a working day, worked out once: 0 not yet, 1 working, 2 not.
const WORKING = new Uint8Array(80_000)

export function isWorkingDay (day: number): boolean {
  const known = day >= 0 && day < WORKING.length ? WORKING[day]! : 0
  if (known !== 0) return known === 1
  const working = !isWeekend(day) && !bankHolidays(yearOf(day)).has(day)
  if (day >= 0 && day < WORKING.length) WORKING[day] = working ? 1 : 2
  return working
}

/** The day itself if a bank works then, else the next working day. */
export function workingOnOrAfter (day: number): number {
  while (!isWorkingDay(day)) day++
  return day
}

/** The day itself if a bank works then, else the working day before. */
export function workingOnOrBefore (day: number): number {
  while (!isWorkingDay(day)) day--
  return day
}

/** The last working day of the month `day` falls in. */
export function lastWorkingDayOfMonth (day: number): number {
  const d = new Date(day * DAY_MS)
  return workingOnOrBefore(dayOf(d.getUTCFullYear(), d.getUTCMonth() + 2, 1) - 1)
}

/** The UTC day of a calendar date; `date` past the month's end is its last day. */
export function dayOfMonth (year: number, month: number, date: number): number {
  const last = dayOf(year, month + 1, 1) - 1
  return Math.min(dayOf(year, month, date), last)
}

// Each day's month as year * 12 + month - 1, worked out once (0: not yet; stored plus one).
const MONTHS = new Uint32Array(80_000)

/** The date within its month (1–31) of a day. */
export function dateOf (day: number): number {
  const { year, month } = monthOf(day)
  return day - dayOfMonth(year, month, 1) + 1
}

/** Year and month (1–12) of a day. */
export function monthOf (day: number): { year: number, month: number } {
  const known = day >= 0 && day < MONTHS.length ? MONTHS[day]! : 0
  const index = known !== 0 ? known - 1 : monthIndex(day)
  if (known === 0 && day >= 0 && day < MONTHS.length) MONTHS[day] = index + 1
  return { year: Math.floor(index / 12), month: index % 12 + 1 }
}

function monthIndex (day: number): number {
  const d = new Date(day * DAY_MS)
  return d.getUTCFullYear() * 12 + d.getUTCMonth()
}
