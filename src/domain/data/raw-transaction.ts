/** A transaction as the fixtures and the admin control write it (Bud's Transaction fields). */
export interface RawTransaction {
  transaction_id?: string
  account_id?: string
  description: string
  amount: { value: string, currency?: string }
  credit_debit_indicator: 'credit' | 'debit'
  date_time?: string
  status?: 'booked' | 'pending'
}
