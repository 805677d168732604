// When a recurring payment falls: on a date each month (moved to a working
// day as a bank moves it), on the last working day of the month, each week
// on a weekday, or every n weeks from a first day; optionally only in some
// months. Days are UTC days since 1970.
import { dayOfMonth, isWorkingDay, lastWorkingDayOfMonth, monthOf, weekdayOf, workingOnOrAfter, workingOnOrBefore } from './calendar.js'

export type Schedule =
  | { every: 'month', date: number | 'last-working-day', shift: 'after' | 'before' | 'none', months?: readonly number[] }
  | { every: 'week', weekday: number, shift: 'after' | 'before' | 'none' }
  | { every: 'weeks', weeks: number, firstDay: number, shift: 'after' | 'before' | 'none' }

/** Bud's word for how often it comes. */
export function frequencyOf (schedule: Schedule): 'weekly' | 'biweekly' | 'monthly' | 'quarterly' | 'unknown' {
  if (schedule.every === 'week') return 'weekly'
  if (schedule.every === 'weeks') return schedule.weeks === 2 ? 'biweekly' : 'unknown'
  if (schedule.months === undefined) return 'monthly'
  return schedule.months.length === 4 && schedule.months.every((m, i) => i === 0 || m - schedule.months![i - 1]! === 3) ? 'quarterly' : 'unknown'
}

const moved = (day: number, shift: 'after' | 'before' | 'none') => shift === 'after' ? workingOnOrAfter(day) : shift === 'before' ? workingOnOrBefore(day) : day

/** The day a monthly schedule falls on in `month` of `year`, moved as a bank moves it; −1 when it skips that month. */
function dueIn (schedule: Schedule & { every: 'month' }, year: number, month: number): number {
  if (schedule.months !== undefined && !schedule.months.includes(month)) return -1
  return schedule.date === 'last-working-day' ? lastWorkingDayOfMonth(dayOfMonth(year, month, 1)) : moved(dayOfMonth(year, month, schedule.date), schedule.shift)
}

/** A weekly or every-n-weeks schedule's days apart. */
const stepOf = (schedule: Schedule & { every: 'week' | 'weeks' }) => schedule.every === 'week' ? 7 : schedule.weeks * 7

/** Its first nominal day (before a bank moves it) from a week before `day`: a move never goes further. */
function firstNominalNear (schedule: Schedule & { every: 'week' | 'weeks' }, day: number): number {
  const step = stepOf(schedule)
  const origin = schedule.every === 'week' ? schedule.weekday - 4 : schedule.firstDay // day -4 (1969-12-28) was a Sunday
  return origin + Math.ceil((day - 7 - origin) / step) * step
}

/** The days in [fromDay, toDay] it falls on, in order; the first `limit` of them when given. */
export function occurrences (schedule: Schedule, fromDay: number, toDay: number, limit = Infinity): number[] {
  const out: number[] = []
  if (schedule.every === 'month') {
    let { year, month } = monthOf(fromDay - 7)
    while (dayOfMonth(year, month, 1) <= toDay + 7 && out.length < limit) {
      const due = dueIn(schedule, year, month)
      if (due !== -1 && due >= fromDay && due <= toDay) out.push(due)
      if (++month > 12) { month = 1; year++ }
    }
    return out
  }
  // Weekly and every-n-weeks: the nominal days, each moved as a bank moves it.
  for (let nominal = firstNominalNear(schedule, fromDay); nominal <= toDay + 7 && out.length < limit; nominal += stepOf(schedule)) {
    if (schedule.every === 'weeks' && nominal < schedule.firstDay) continue
    const due = moved(nominal, schedule.shift)
    if (due >= fromDay && due <= toDay) out.push(due)
  }
  return out
}

// A monthly schedule's day in each month, worked out once and kept on the schedule: −1 for none.
const DAYS = Symbol('days')
type Remembering = Schedule & { [DAYS]?: Map<number, number> }

// Monthly schedules are shared, one for each date, shift and months, so the
// days one customer's schedule worked out serve every customer's. Bounded:
// dates, shifts and month lists come from the plans' code.
const monthlies = new Map<string, Schedule>()

/** The monthly schedule on `date` (moved by `shift` off a day banks do not work), in `months` only if given. */
export function monthly (date: number | 'last-working-day', shift: 'after' | 'before' | 'none' = 'after', months?: readonly number[]): Schedule {
  const key = `${date}|${shift}|${months?.join(',') ?? ''}`
  let schedule = monthlies.get(key)
  if (schedule === undefined) monthlies.set(key, schedule = months === undefined ? { every: 'month', date, shift } : { every: 'month', date, shift, months })
  return schedule
}

/** The day a monthly schedule falls on in month `index` (year × 12 + month − 1), −1 for none. */
function dueInMonth (schedule: Schedule & { every: 'month' }, days: Map<number, number>, index: number): number {
  let due = days.get(index)
  if (due === undefined) days.set(index, due = dueIn(schedule, Math.floor(index / 12), index % 12 + 1))
  return due
}

/** Whether it falls on `day`. Asked for every rule of every account-day a read generates: nothing allocated. */
export function dueOn (schedule: Schedule, day: number): boolean {
  if (schedule.every === 'month') {
    const days = (schedule as Remembering)[DAYS] ??= new Map()
    const { year, month } = monthOf(day)
    const index = year * 12 + month - 1
    // A date moved to a working day can cross into the next month or the one before.
    return dueInMonth(schedule, days, index) === day || dueInMonth(schedule, days, index - 1) === day || dueInMonth(schedule, days, index + 1) === day
  }
  // The nominal days near it, each moved as a bank moves it (as occurrences does).
  for (let nominal = firstNominalNear(schedule, day); nominal <= day + 7; nominal += stepOf(schedule)) {
    if (schedule.every === 'weeks' && nominal < schedule.firstDay) continue
    if (moved(nominal, schedule.shift) === day) return true
  }
  return false
}

/** The next `count` days after `day` it falls on. */
export function nextAfter (schedule: Schedule, day: number, count: number): number[] {
  return occurrences(schedule, day + 1, day + 400, count)
}

export { isWorkingDay, weekdayOf }
