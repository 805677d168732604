// The controls that can be given for every client at once (worlds.ts keeps
// them, to give each world made or reset later): as plain data, so a
// snapshot keeps them with the rest of the state, and run by one function
// here whether they are given now or again later.
import type { ConnectionChange } from './customers.js'
import type { Entry, GivenTransaction } from './data/bank.js'
import { BudError, ERRORS } from './errors.js'
import type { Sandbox } from './sandbox.js'
import type { Customer } from './records.js'

/** Changes one customer's connection (the admin control's scenario, consent, last pull). */
export interface ConnectionControl {
  kind: 'connection'
  customerId: string
  provider: string
  change: ConnectionChange
}

/** Adds transactions at one customer's bank. */
export interface BankTransactionsControl {
  kind: 'bank_transactions'
  customerId: string
  provider: string
  transactions: GivenTransaction[]
}

export type Control = ConnectionControl | BankTransactionsControl

/** What a control did in one world. */
export type ControlResult<C extends Control> = C extends ConnectionControl ? Customer : readonly Entry[]

/** Runs the control in `world`; throws the Bud error that says why it cannot (its customer unknown there). */
export function runControl<C extends Control> (world: Sandbox, control: C): ControlResult<C> {
  const nowMs = world.clock.nowMs()
  if (control.kind === 'connection') {
    const customer = world.customers.resolve({ customerId: control.customerId }, nowMs)
    world.customers.setConnection(customer, control.provider, control.change, nowMs)
    return customer as ControlResult<C>
  }
  const customer = world.customers.get(control.customerId)
  if (customer === undefined) throw new BudError(ERRORS.adminCustomerNotFound)
  return world.data.addAtBank(customer, control.provider, control.transactions, nowMs) as unknown as ControlResult<C>
}

/** Runs the control in `world`, or gives undefined where it cannot run (its customer unknown there). */
export function runWhereKnown<C extends Control> (world: Sandbox, control: C): ControlResult<C> | undefined {
  try {
    return runControl(world, control)
  } catch (err) {
    if (err instanceof BudError) return undefined
    throw err
  }
}
