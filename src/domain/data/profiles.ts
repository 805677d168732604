// What a generated bank history looks like: the profiles a fixture connection
// can choose (salaried, student, small business, empty), the accounts each
// opens and the rhythms of its transactions — recurring payments on fixed
// days and card spending at UK merchants — with Bud's category slugs and
// merchant enrichments. Data only: bank.ts turns it into transactions.

export const PROFILES = ['salaried', 'student', 'small_business', 'empty'] as const
export type ProfileName = (typeof PROFILES)[number]
export const DEFAULT_PROFILE: ProfileName = 'salaried'

/** Bud's transaction type codes the generator uses, with what they mean. */
export const BUD_CODES = {
  DEB: 'Debit card transaction',
  DD: 'Direct debit',
  SO: 'Standing order',
  BGC: 'Bank giro credit',
  FPI: 'Faster payment in',
  FPO: 'Faster payment out',
  TFR: 'Transfer',
  INT: 'Interest'
} as const
export type BudCode = keyof typeof BUD_CODES

export interface MerchantInfo {
  slug: string
  displayName: string
  website: string
}

/** What Bud's enrichment would say of a transaction. */
export interface Kind {
  description: string
  /** What Bud suggests showing instead of the bank's description. */
  suggested: string
  budCode: BudCode
  credit: boolean
  l1: string
  l2: string
  merchant?: MerchantInfo
  mcc?: string
  /** Card payments show as pending first, and are booked a day or two later under a new id. */
  card: boolean
  regular: boolean
}

/** A payment on a fixed day of each month, or each week (weekday 0 = Sunday); its amount is fixed per account. */
export interface Recurring extends Kind {
  monthDay?: number
  weekday?: number
  /** Months (1–12) it happens in; absent: every month. */
  months?: readonly number[]
  amountPence: readonly [number, number]
}

export interface Spending extends Kind {
  amountPence: readonly [number, number]
  /** Relative frequency among the account's card payments. */
  weight: number
}

export interface AccountPlan {
  accountType: string
  accountName: string
  usageType: 'personal' | 'business'
  accountCategory: string
  /** The booked balance at the connection's first pull. */
  openingPence: readonly [number, number]
  recurring: readonly Recurring[]
  /** Card payments a day: between these two counts. */
  spendingPerDay: readonly [number, number]
  spending: readonly Spending[]
}

const merchant = (slug: string, displayName: string, website: string): MerchantInfo => ({ slug, displayName, website })

const card = (description: string, m: MerchantInfo, l1: string, l2: string, mcc: string, amountPence: readonly [number, number], weight: number): Spending =>
  ({ description, suggested: m.displayName, budCode: 'DEB', credit: false, l1, l2, merchant: m, mcc, card: true, regular: false, amountPence, weight })

const EVERYDAY: readonly Spending[] = [
  card('TESCO STORES 2613', merchant('tesco', 'Tesco', 'www.tesco.com'), 'food_and_drink', 'groceries', '5411', [850, 6500], 6),
  card("SAINSBURY'S S/MKT", merchant('sainsburys', "Sainsbury's", 'www.sainsburys.co.uk'), 'food_and_drink', 'groceries', '5411', [600, 5400], 4),
  card('PRET A MANGER', merchant('pret_a_manger', 'Pret A Manger', 'www.pret.co.uk'), 'food_and_drink', 'eating_out', '5812', [350, 1200], 4),
  card('CAFFE NERO 495', merchant('caffnero', 'Caffè Nero', 'www.caffenero.com/uk'), 'food_and_drink', 'coffee', '5814', [250, 650], 4),
  card('TFL TRAVEL CH', merchant('tfl', 'Transport for London', 'tfl.gov.uk'), 'transport', 'public_transport', '4111', [180, 880], 5),
  card('AMAZON.CO.UK*2K4', merchant('amazon', 'Amazon', 'www.amazon.co.uk'), 'shopping', 'general_merchandise', '5942', [699, 4599], 2),
  card('UBER *TRIP', merchant('uber', 'Uber', 'www.uber.com'), 'transport', 'taxi', '4121', [690, 2450], 1),
  card('DELIVEROO', merchant('deliveroo', 'Deliveroo', 'deliveroo.co.uk'), 'food_and_drink', 'takeaway', '5812', [1450, 3200], 1),
  card('BOOTS 1123', merchant('boots', 'Boots', 'www.boots.com'), 'health_and_wellbeing', 'pharmacy', '5912', [299, 2199], 1)
]

const STUDENT_SPENDING: readonly Spending[] = [
  card('ALDI 84 LEEDS', merchant('aldi', 'Aldi', 'www.aldi.co.uk'), 'food_and_drink', 'groceries', '5411', [420, 3200], 6),
  card('GREGGS 1532', merchant('greggs', 'Greggs', 'www.greggs.co.uk'), 'food_and_drink', 'eating_out', '5812', [150, 600], 5),
  card('SU BAR LEEDS', merchant('leeds_university_union', 'Leeds University Union', 'www.luu.org.uk'), 'entertainment', 'pubs_and_bars', '5813', [350, 1800], 3),
  card('FIRST BUS', merchant('first_bus', 'First Bus', 'www.firstbus.co.uk'), 'transport', 'public_transport', '4131', [200, 450], 4),
  card('WATERSTONES', merchant('waterstones', 'Waterstones', 'www.waterstones.com'), 'shopping', 'books', '5942', [499, 2499], 1)
]

const BUSINESS_SPENDING: readonly Spending[] = [
  card('RYMAN STATIONERY', merchant('ryman', 'Ryman', 'www.ryman.co.uk'), 'business', 'office_supplies', '5943', [499, 6500], 3),
  card('TRAINLINE', merchant('trainline', 'Trainline', 'www.thetrainline.com'), 'transport', 'trains', '4112', [1850, 14500], 1),
  card('SCREWFIX DIRECT', merchant('screwfix', 'Screwfix', 'www.screwfix.com'), 'business', 'equipment', '5200', [899, 12000], 2),
  card('COSTA COFFEE', merchant('costa', 'Costa Coffee', 'www.costa.co.uk'), 'food_and_drink', 'coffee', '5814', [280, 900], 3)
]

const recurring = (fields: Omit<Recurring, 'card' | 'regular' | 'suggested'> & { suggested?: string }): Recurring =>
  ({ ...fields, suggested: fields.suggested ?? fields.merchant?.displayName ?? fields.description, card: false, regular: true })

const SALARIED_CURRENT: AccountPlan = {
  accountType: 'current_account',
  accountName: 'Current Account',
  usageType: 'personal',
  accountCategory: 'depository',
  openingPence: [85_000, 420_000],
  recurring: [
    recurring({ description: 'ACME LOGISTICS LTD SALARY', suggested: 'Salary', budCode: 'BGC', credit: true, l1: 'income', l2: 'salary', monthDay: 25, amountPence: [210_000, 360_000] }),
    recurring({ description: 'HOMELET RENT SO', suggested: 'Rent', budCode: 'SO', credit: false, l1: 'mortgage_and_rent', l2: 'rent', monthDay: 1, amountPence: [85_000, 140_000] }),
    recurring({ description: 'LAMBETH COUNCIL TAX', budCode: 'DD', credit: false, l1: 'bills', l2: 'council_tax', monthDay: 2, amountPence: [12_000, 18_000], merchant: merchant('lambeth_council', 'Lambeth Council', 'www.lambeth.gov.uk') }),
    recurring({ description: 'OCTOPUS ENERGY', budCode: 'DD', credit: false, l1: 'bills', l2: 'energy', monthDay: 10, amountPence: [6_500, 14_000], merchant: merchant('octopus_energy', 'Octopus Energy', 'octopus.energy') }),
    recurring({ description: 'VODAFONE LTD', budCode: 'DD', credit: false, l1: 'bills', l2: 'mobile_phone', monthDay: 15, amountPence: [1_200, 3_500], merchant: merchant('vodafone', 'Vodafone', 'www.vodafone.co.uk') }),
    recurring({ description: 'BT GROUP PLC', budCode: 'DD', credit: false, l1: 'bills', l2: 'tv_and_broadband', monthDay: 20, amountPence: [2_800, 4_500], merchant: merchant('bt', 'BT', 'www.bt.com') }),
    recurring({ description: 'NETFLIX.COM', budCode: 'DEB', credit: false, l1: 'entertainment', l2: 'subscriptions', monthDay: 12, amountPence: [1_099, 1_099], merchant: merchant('netflix', 'Netflix', 'www.netflix.com'), mcc: '4899' }),
    recurring({ description: 'PUREGYM LTD', budCode: 'DD', credit: false, l1: 'health_and_wellbeing', l2: 'gym', monthDay: 5, amountPence: [1_999, 2_999], merchant: merchant('puregym', 'PureGym', 'www.puregym.com') }),
    recurring({ description: 'TO SAVINGS ACCOUNT', suggested: 'Transfer to savings', budCode: 'TFR', credit: false, l1: 'transfers', l2: 'savings', monthDay: 26, amountPence: [20_000, 20_000] })
  ],
  spendingPerDay: [0, 3],
  spending: EVERYDAY
}

const SALARIED_SAVINGS: AccountPlan = {
  accountType: 'savings',
  accountName: 'Easy Saver',
  usageType: 'personal',
  accountCategory: 'depository',
  openingPence: [150_000, 1_200_000],
  recurring: [
    recurring({ description: 'FROM CURRENT ACCOUNT', suggested: 'Transfer from current account', budCode: 'TFR', credit: true, l1: 'transfers', l2: 'savings', monthDay: 26, amountPence: [20_000, 20_000] }),
    recurring({ description: 'INTEREST PAID', suggested: 'Interest', budCode: 'INT', credit: true, l1: 'income', l2: 'interest', monthDay: 28, amountPence: [180, 2_400] })
  ],
  spendingPerDay: [0, 0],
  spending: []
}

const STUDENT_CURRENT: AccountPlan = {
  accountType: 'current_account',
  accountName: 'Student Account',
  usageType: 'personal',
  accountCategory: 'depository',
  openingPence: [5_000, 90_000],
  recurring: [
    recurring({ description: 'SLC MAINTENANCE LOAN', suggested: 'Student Finance', budCode: 'BGC', credit: true, l1: 'income', l2: 'student_loan', monthDay: 20, months: [1, 4, 9], amountPence: [290_000, 340_000] }),
    recurring({ description: 'THE CROWN PUB WAGES', suggested: 'Wages', budCode: 'FPI', credit: true, l1: 'income', l2: 'salary', weekday: 5, amountPence: [6_500, 11_000] }),
    recurring({ description: 'UNITE STUDENTS RENT', suggested: 'Rent', budCode: 'SO', credit: false, l1: 'mortgage_and_rent', l2: 'rent', monthDay: 1, amountPence: [52_000, 68_000] }),
    recurring({ description: 'SPOTIFY', budCode: 'DEB', credit: false, l1: 'entertainment', l2: 'subscriptions', monthDay: 8, amountPence: [599, 599], merchant: merchant('spotify', 'Spotify', 'www.spotify.com'), mcc: '5815' }),
    recurring({ description: 'GIFFGAFF', budCode: 'DD', credit: false, l1: 'bills', l2: 'mobile_phone', monthDay: 14, amountPence: [800, 1_500], merchant: merchant('giffgaff', 'giffgaff', 'www.giffgaff.com') })
  ],
  spendingPerDay: [0, 2],
  spending: STUDENT_SPENDING
}

const BUSINESS_CURRENT: AccountPlan = {
  accountType: 'current_account',
  accountName: 'Business Current Account',
  usageType: 'business',
  accountCategory: 'depository',
  openingPence: [800_000, 3_500_000],
  recurring: [
    recurring({ description: 'BRIGHTON DESIGN CO INV', suggested: 'Customer payment', budCode: 'FPI', credit: true, l1: 'income', l2: 'business_income', weekday: 2, amountPence: [90_000, 240_000] }),
    recurring({ description: 'HARBOUR CAFES LTD INV', suggested: 'Customer payment', budCode: 'FPI', credit: true, l1: 'income', l2: 'business_income', weekday: 4, amountPence: [45_000, 130_000] }),
    recurring({ description: 'STAFF SALARIES', suggested: 'Payroll', budCode: 'FPO', credit: false, l1: 'business', l2: 'payroll', monthDay: 28, amountPence: [420_000, 650_000] }),
    recurring({ description: 'HMRC VAT', budCode: 'DD', credit: false, l1: 'business', l2: 'tax', monthDay: 7, months: [1, 4, 7, 10], amountPence: [180_000, 420_000], merchant: merchant('hmrc', 'HMRC', 'www.gov.uk') }),
    recurring({ description: 'XERO UK', budCode: 'DD', credit: false, l1: 'business', l2: 'software', monthDay: 3, amountPence: [3_300, 4_700], merchant: merchant('xero', 'Xero', 'www.xero.com') }),
    recurring({ description: 'AWS EMEA', budCode: 'DEB', credit: false, l1: 'business', l2: 'software', monthDay: 4, amountPence: [4_000, 19_000], merchant: merchant('aws', 'Amazon Web Services', 'aws.amazon.com'), mcc: '7372' }),
    recurring({ description: 'WORKSPACE OFFICE RENT', suggested: 'Office rent', budCode: 'SO', credit: false, l1: 'business', l2: 'rent', monthDay: 1, amountPence: [120_000, 180_000] })
  ],
  spendingPerDay: [0, 2],
  spending: BUSINESS_SPENDING
}

const EMPTY_CURRENT: AccountPlan = {
  accountType: 'current_account',
  accountName: 'Current Account',
  usageType: 'personal',
  accountCategory: 'depository',
  openingPence: [0, 0],
  recurring: [],
  spendingPerDay: [0, 0],
  spending: []
}

/** The accounts each profile opens at a bank, in order. */
export const PROFILE_ACCOUNTS: Record<ProfileName, readonly AccountPlan[]> = {
  salaried: [SALARIED_CURRENT, SALARIED_SAVINGS],
  student: [STUDENT_CURRENT],
  small_business: [BUSINESS_CURRENT],
  empty: [EMPTY_CURRENT]
}

/** Names for the holders of generated accounts. */
export const HOLDER_NAMES = ['Amelia Clarke', 'Oliver Patel', 'Isla Hughes', 'Noah Edwards', 'Ava Thompson', 'Leo Walsh', 'Freya Morgan', 'Arjun Shah', 'Grace Okafor', 'Harry Bennett'] as const
export const BUSINESS_NAMES = ['Bennett & Shah Joinery Ltd', 'Harbour Lane Studio Ltd', 'Clarke Outdoor Supplies Ltd'] as const

/** An enrichment for what a client adds at the bank: a plain transfer, as Bud would see an unknown description. */
export function plainKind (description: string, credit: boolean): Kind {
  return { description, suggested: description, budCode: credit ? 'FPI' : 'FPO', credit, l1: credit ? 'income' : 'transfers', l2: credit ? 'other_income' : 'other_transfers', card: false, regular: false }
}
