// The merchants, processors and categories Bud's enrichment would name: UK
// merchants with how a bank writes them, their website, Bud's category
// slugs, their merchant category code and what a purchase there costs.
// Data only; life.ts picks a customer's, styles.ts writes the raw text.

/** Bud's category slugs: each L2 under its L1. */
export const CATEGORIES = {
  food_and_drink: ['groceries', 'eating_out', 'coffee', 'takeaway', 'pubs_and_bars', 'convenience_stores'],
  transport: ['public_transport', 'taxi', 'fuel', 'trains', 'parking', 'car_maintenance', 'flights'],
  shopping: ['general_merchandise', 'clothing', 'electronics', 'books', 'home_and_garden', 'diy', 'beauty', 'gifts', 'department_stores', 'sports_and_outdoors', 'pets'],
  entertainment: ['subscriptions', 'cinema', 'events', 'gaming', 'gambling', 'music'],
  bills: ['council_tax', 'energy', 'water', 'mobile_phone', 'tv_and_broadband', 'insurance', 'tv_licence'],
  health_and_wellbeing: ['pharmacy', 'gym', 'dentist', 'opticians', 'hair_and_beauty'],
  travel: ['hotels', 'holidays'],
  mortgage_and_rent: ['rent', 'mortgage'],
  income: ['salary', 'student_loan', 'pension', 'benefits', 'gig_income', 'business_income', 'interest', 'refunds', 'other_income'],
  transfers: ['internal_transfers', 'savings', 'other_transfers'],
  cash: ['atm_withdrawal'],
  debt: ['loan_repayments', 'credit_card_payments', 'payday_loans', 'debt_collection'],
  fees: ['bank_charges', 'returned_payment_fees', 'overdraft_charges'],
  business: ['office_supplies', 'equipment', 'software', 'payroll', 'tax', 'business_rent', 'drawings', 'card_takings'],
  charity: ['donations'],
  education: ['tuition']
} as const

export type L1 = keyof typeof CATEGORIES
export type L2 = (typeof CATEGORIES)[L1][number]

const L1_OF = new Map<string, L1>(Object.entries(CATEGORIES).flatMap(([l1, l2s]) => l2s.map((l2) => [l2, l1 as L1])))
export const l1Of = (l2: L2): L1 => L1_OF.get(l2)!

/** Where a merchant is paid: in its stores (a location), online, or both. */
export type Channel = 'store' | 'online' | 'both'

export interface Merchant {
  slug: string
  displayName: string
  website: string
  /** How banks write it, before store numbers and towns: `TESCO STORES`. */
  raw: string
  l2: L2
  mcc: string
  /** What one payment there costs, in pence. */
  pence: readonly [number, number]
  channel: Channel
}

const rows: [slug: string, name: string, website: string, raw: string, l2: L2, mcc: string, min: number, max: number, channel: Channel][] = [
  // Groceries and convenience
  ['tesco', 'Tesco', 'www.tesco.com', 'TESCO STORES', 'groceries', '5411', 850, 9500, 'store'],
  ['sainsburys', "Sainsbury's", 'www.sainsburys.co.uk', "SAINSBURY'S S/MKT", 'groceries', '5411', 700, 8800, 'store'],
  ['asda', 'Asda', 'www.asda.com', 'ASDA STORES', 'groceries', '5411', 900, 10500, 'store'],
  ['morrisons', 'Morrisons', 'www.morrisons.com', 'WM MORRISON', 'groceries', '5411', 650, 7800, 'store'],
  ['aldi', 'Aldi', 'www.aldi.co.uk', 'ALDI', 'groceries', '5411', 420, 6200, 'store'],
  ['lidl', 'Lidl', 'www.lidl.co.uk', 'LIDL GB', 'groceries', '5411', 380, 5900, 'store'],
  ['waitrose', 'Waitrose', 'www.waitrose.com', 'WAITROSE', 'groceries', '5411', 900, 11500, 'store'],
  ['marks_and_spencer_food', 'M&S Food', 'www.marksandspencer.com', 'M&S SIMPLY FOOD', 'groceries', '5411', 450, 4500, 'store'],
  ['ocado', 'Ocado', 'www.ocado.com', 'OCADO RETAIL', 'groceries', '5411', 4000, 14000, 'online'],
  ['co_op', 'Co-op', 'www.coop.co.uk', 'CO-OP GROUP', 'convenience_stores', '5499', 180, 2400, 'store'],
  ['spar', 'SPAR', 'www.spar.co.uk', 'SPAR', 'convenience_stores', '5499', 150, 1800, 'store'],
  ['one_stop', 'One Stop', 'www.onestop.co.uk', 'ONE STOP', 'convenience_stores', '5499', 120, 1600, 'store'],
  ['iceland', 'Iceland', 'www.iceland.co.uk', 'ICELAND', 'groceries', '5411', 500, 4800, 'store'],
  ['farmfoods', 'Farmfoods', 'www.farmfoods.co.uk', 'FARMFOODS', 'groceries', '5411', 400, 3500, 'store'],
  // Eating out, coffee, takeaway, pubs
  ['pret_a_manger', 'Pret A Manger', 'www.pret.co.uk', 'PRET A MANGER', 'eating_out', '5812', 350, 1400, 'store'],
  ['greggs', 'Greggs', 'www.greggs.co.uk', 'GREGGS', 'eating_out', '5812', 150, 750, 'store'],
  ['mcdonalds', "McDonald's", 'www.mcdonalds.com', 'MCDONALDS', 'eating_out', '5814', 299, 1450, 'store'],
  ['nandos', "Nando's", 'www.nandos.co.uk', 'NANDOS', 'eating_out', '5812', 1200, 5200, 'store'],
  ['wagamama', 'wagamama', 'www.wagamama.com', 'WAGAMAMA', 'eating_out', '5812', 1400, 5600, 'store'],
  ['itsu', 'itsu', 'www.itsu.com', 'ITSU', 'eating_out', '5812', 650, 1600, 'store'],
  ['leon', 'LEON', 'leon.co', 'LEON RESTAURANTS', 'eating_out', '5812', 600, 1500, 'store'],
  ['pizza_express', 'PizzaExpress', 'www.pizzaexpress.com', 'PIZZA EXPRESS', 'eating_out', '5812', 1800, 6500, 'store'],
  ['wetherspoon', 'Wetherspoon', 'www.jdwetherspoon.com', 'J D WETHERSPOON', 'pubs_and_bars', '5813', 350, 3200, 'store'],
  ['greene_king', 'Greene King', 'www.greeneking.co.uk', 'GREENE KING', 'pubs_and_bars', '5813', 480, 4200, 'store'],
  ['brewdog', 'BrewDog', 'www.brewdog.com', 'BREWDOG BAR', 'pubs_and_bars', '5813', 550, 3800, 'store'],
  ['caffnero', 'Caffè Nero', 'www.caffenero.com/uk', 'CAFFE NERO', 'coffee', '5814', 250, 850, 'store'],
  ['costa', 'Costa Coffee', 'www.costa.co.uk', 'COSTA COFFEE', 'coffee', '5814', 260, 900, 'store'],
  ['starbucks', 'Starbucks', 'www.starbucks.co.uk', 'STARBUCKS', 'coffee', '5814', 290, 950, 'store'],
  ['gail_s', "GAIL's Bakery", 'gailsbread.co.uk', 'GAILS BAKERY', 'coffee', '5814', 350, 1400, 'store'],
  ['deliveroo', 'Deliveroo', 'deliveroo.co.uk', 'DELIVEROO', 'takeaway', '5812', 1450, 4200, 'online'],
  ['just_eat', 'Just Eat', 'www.just-eat.co.uk', 'JUST EAT', 'takeaway', '5812', 1250, 3900, 'online'],
  ['uber_eats', 'Uber Eats', 'www.ubereats.com', 'UBER *EATS', 'takeaway', '5812', 1300, 3800, 'online'],
  ['dominos', "Domino's", 'www.dominos.co.uk', 'DOMINOS PIZZA', 'takeaway', '5814', 1299, 3499, 'online'],
  // Transport
  ['tfl', 'Transport for London', 'tfl.gov.uk', 'TFL TRAVEL CH', 'public_transport', '4111', 180, 880, 'online'],
  ['first_bus', 'First Bus', 'www.firstbus.co.uk', 'FIRST BUS', 'public_transport', '4131', 200, 650, 'store'],
  ['stagecoach', 'Stagecoach', 'www.stagecoachbus.com', 'STAGECOACH', 'public_transport', '4131', 220, 700, 'store'],
  ['arriva', 'Arriva', 'www.arrivabus.co.uk', 'ARRIVA', 'public_transport', '4131', 200, 600, 'store'],
  ['trainline', 'Trainline', 'www.thetrainline.com', 'TRAINLINE', 'trains', '4112', 850, 14500, 'online'],
  ['lner', 'LNER', 'www.lner.co.uk', 'LNER', 'trains', '4112', 1500, 16000, 'online'],
  ['avanti_west_coast', 'Avanti West Coast', 'www.avantiwestcoast.co.uk', 'AVANTI WEST COAST', 'trains', '4112', 1800, 18000, 'online'],
  ['uber', 'Uber', 'www.uber.com', 'UBER *TRIP', 'taxi', '4121', 690, 3450, 'online'],
  ['bolt', 'Bolt', 'bolt.eu', 'BOLT.EU', 'taxi', '4121', 600, 2900, 'online'],
  ['addison_lee', 'Addison Lee', 'www.addisonlee.com', 'ADDISON LEE', 'taxi', '4121', 1500, 5500, 'online'],
  ['shell', 'Shell', 'www.shell.co.uk', 'SHELL', 'fuel', '5541', 2000, 8500, 'store'],
  ['bp', 'BP', 'www.bp.com', 'BP', 'fuel', '5541', 2000, 8000, 'store'],
  ['esso', 'Esso', 'www.esso.co.uk', 'ESSO', 'fuel', '5541', 1800, 7800, 'store'],
  ['texaco', 'Texaco', 'www.texaco.co.uk', 'TEXACO', 'fuel', '5541', 1800, 7500, 'store'],
  ['ringgo', 'RingGo', 'myringgo.co.uk', 'RINGGO', 'parking', '7523', 120, 950, 'online'],
  ['ncp', 'NCP', 'www.ncp.co.uk', 'NCP LIMITED', 'parking', '7523', 450, 2800, 'store'],
  ['justpark', 'JustPark', 'www.justpark.com', 'JUSTPARK', 'parking', '7523', 300, 1800, 'online'],
  ['kwik_fit', 'Kwik Fit', 'www.kwik-fit.com', 'KWIK FIT', 'car_maintenance', '7538', 4500, 32000, 'store'],
  ['halfords', 'Halfords', 'www.halfords.com', 'HALFORDS', 'car_maintenance', '5533', 800, 18000, 'store'],
  ['easyjet', 'easyJet', 'www.easyjet.com', 'EASYJET', 'flights', '3245', 3500, 32000, 'online'],
  ['ryanair', 'Ryanair', 'www.ryanair.com', 'RYANAIR', 'flights', '3246', 2500, 24000, 'online'],
  ['british_airways', 'British Airways', 'www.britishairways.com', 'BRITISH AIRWAYS', 'flights', '3005', 9000, 65000, 'online'],
  // Shopping
  ['amazon', 'Amazon', 'www.amazon.co.uk', 'AMAZON.CO.UK', 'general_merchandise', '5942', 499, 6500, 'online'],
  ['ebay', 'eBay', 'www.ebay.co.uk', 'EBAY O', 'general_merchandise', '5999', 399, 8500, 'online'],
  ['argos', 'Argos', 'www.argos.co.uk', 'ARGOS', 'general_merchandise', '5311', 599, 14500, 'both'],
  ['wilko', 'Wilko', 'www.wilko.com', 'WILKO', 'general_merchandise', '5331', 250, 3500, 'store'],
  ['b_and_m', 'B&M', 'www.bmstores.co.uk', 'B & M', 'general_merchandise', '5331', 199, 4200, 'store'],
  ['poundland', 'Poundland', 'www.poundland.co.uk', 'POUNDLAND', 'general_merchandise', '5331', 100, 1500, 'store'],
  ['the_range', 'The Range', 'www.therange.co.uk', 'THE RANGE', 'home_and_garden', '5712', 500, 9500, 'store'],
  ['ikea', 'IKEA', 'www.ikea.com/gb', 'IKEA LTD', 'home_and_garden', '5712', 800, 32000, 'both'],
  ['dunelm', 'Dunelm', 'www.dunelm.com', 'DUNELM', 'home_and_garden', '5719', 700, 16000, 'both'],
  ['wyevale', 'Dobbies Garden Centres', 'www.dobbies.com', 'DOBBIES GARDEN CTR', 'home_and_garden', '5261', 600, 9000, 'store'],
  ['b_and_q', 'B&Q', 'www.diy.com', 'B & Q', 'diy', '5200', 400, 22000, 'store'],
  ['screwfix', 'Screwfix', 'www.screwfix.com', 'SCREWFIX DIRECT', 'diy', '5200', 699, 18000, 'both'],
  ['toolstation', 'Toolstation', 'www.toolstation.com', 'TOOLSTATION', 'diy', '5200', 599, 15000, 'both'],
  ['wickes', 'Wickes', 'www.wickes.co.uk', 'WICKES', 'diy', '5211', 800, 20000, 'store'],
  ['primark', 'Primark', 'www.primark.com', 'PRIMARK', 'clothing', '5651', 400, 6500, 'store'],
  ['next', 'Next', 'www.next.co.uk', 'NEXT RETAIL', 'clothing', '5651', 1200, 12000, 'both'],
  ['asos', 'ASOS', 'www.asos.com', 'ASOS.COM', 'clothing', '5691', 1500, 11000, 'online'],
  ['h_and_m', 'H&M', 'www2.hm.com/en_gb', 'H&M', 'clothing', '5651', 799, 7500, 'store'],
  ['zara', 'Zara', 'www.zara.com/uk', 'ZARA UK', 'clothing', '5651', 1599, 9900, 'store'],
  ['uniqlo', 'Uniqlo', 'www.uniqlo.com/uk', 'UNIQLO', 'clothing', '5651', 1490, 8900, 'store'],
  ['tk_maxx', 'TK Maxx', 'www.tkmaxx.com', 'TK MAXX', 'clothing', '5651', 799, 8500, 'store'],
  ['marks_and_spencer', 'Marks & Spencer', 'www.marksandspencer.com', 'MARKS&SPENCER PLC', 'department_stores', '5311', 1200, 12000, 'store'],
  ['john_lewis', 'John Lewis', 'www.johnlewis.com', 'JOHN LEWIS', 'department_stores', '5311', 1500, 35000, 'both'],
  ['debenhams', 'Debenhams', 'www.debenhams.com', 'DEBENHAMS', 'department_stores', '5311', 1200, 9000, 'online'],
  ['currys', 'Currys', 'www.currys.co.uk', 'CURRYS', 'electronics', '5732', 999, 89900, 'both'],
  ['apple', 'Apple', 'www.apple.com/uk', 'APPLE STORE', 'electronics', '5732', 1900, 129900, 'both'],
  ['cex', 'CeX', 'uk.webuy.com', 'CEX LTD', 'electronics', '5732', 300, 18000, 'store'],
  ['waterstones', 'Waterstones', 'www.waterstones.com', 'WATERSTONES', 'books', '5942', 499, 3500, 'store'],
  ['wh_smith', 'WHSmith', 'www.whsmith.co.uk', 'WHSMITH', 'books', '5942', 250, 2500, 'store'],
  ['boots', 'Boots', 'www.boots.com', 'BOOTS', 'pharmacy', '5912', 299, 4500, 'store'],
  ['superdrug', 'Superdrug', 'www.superdrug.com', 'SUPERDRUG', 'beauty', '5977', 250, 3800, 'store'],
  ['lloyds_pharmacy', 'LloydsPharmacy', 'www.lloydspharmacy.com', 'LLOYDS PHARMACY', 'pharmacy', '5912', 350, 2500, 'store'],
  ['lush', 'Lush', 'www.lush.com/uk', 'LUSH RETAIL', 'beauty', '5977', 450, 4500, 'store'],
  ['the_body_shop', 'The Body Shop', 'www.thebodyshop.com', 'THE BODY SHOP', 'beauty', '5977', 500, 4000, 'store'],
  ['card_factory', 'Card Factory', 'www.cardfactory.co.uk', 'CARD FACTORY', 'gifts', '5947', 99, 1500, 'store'],
  ['moonpig', 'Moonpig', 'www.moonpig.com', 'MOONPIG', 'gifts', '5947', 399, 4500, 'online'],
  ['clintons', 'Clintons', 'www.clintonscards.co.uk', 'CLINTONS', 'gifts', '5947', 199, 1800, 'store'],
  ['sports_direct', 'Sports Direct', 'www.sportsdirect.com', 'SPORTSDIRECT.COM', 'sports_and_outdoors', '5941', 600, 9500, 'both'],
  ['decathlon', 'Decathlon', 'www.decathlon.co.uk', 'DECATHLON UK', 'sports_and_outdoors', '5941', 500, 12000, 'store'],
  ['go_outdoors', 'GO Outdoors', 'www.gooutdoors.co.uk', 'GO OUTDOORS', 'sports_and_outdoors', '5941', 900, 18000, 'store'],
  ['pets_at_home', 'Pets at Home', 'www.petsathome.com', 'PETS AT HOME', 'pets', '5995', 450, 7500, 'store'],
  ['zooplus', 'zooplus', 'www.zooplus.co.uk', 'ZOOPLUS', 'pets', '5995', 1500, 6500, 'online'],
  // Entertainment
  ['netflix', 'Netflix', 'www.netflix.com', 'NETFLIX.COM', 'subscriptions', '4899', 599, 1799, 'online'],
  ['spotify', 'Spotify', 'www.spotify.com', 'SPOTIFY', 'subscriptions', '5815', 599, 1799, 'online'],
  ['disney_plus', 'Disney+', 'www.disneyplus.com', 'DISNEY PLUS', 'subscriptions', '4899', 499, 1299, 'online'],
  ['amazon_prime', 'Amazon Prime', 'www.amazon.co.uk', 'AMAZON PRIME', 'subscriptions', '4899', 899, 899, 'online'],
  ['apple_services', 'Apple Services', 'www.apple.com/uk', 'APPLE.COM/BILL', 'subscriptions', '5818', 99, 1899, 'online'],
  ['now_tv', 'NOW', 'www.nowtv.com', 'NOW TV', 'subscriptions', '4899', 999, 3498, 'online'],
  ['audible', 'Audible', 'www.audible.co.uk', 'AUDIBLE UK', 'subscriptions', '5815', 799, 799, 'online'],
  ['youtube_premium', 'YouTube Premium', 'www.youtube.com', 'GOOGLE *YOUTUBE', 'subscriptions', '4899', 1299, 1299, 'online'],
  ['odeon', 'ODEON', 'www.odeon.co.uk', 'ODEON CINEMAS', 'cinema', '7832', 850, 3200, 'both'],
  ['cineworld', 'Cineworld', 'www.cineworld.co.uk', 'CINEWORLD', 'cinema', '7832', 900, 3400, 'both'],
  ['vue', 'Vue', 'www.myvue.com', 'VUE BSL', 'cinema', '7832', 800, 2900, 'both'],
  ['ticketmaster', 'Ticketmaster', 'www.ticketmaster.co.uk', 'TICKETMASTER', 'events', '7922', 2500, 18000, 'online'],
  ['see_tickets', 'See Tickets', 'www.seetickets.com', 'SEE TICKETS', 'events', '7922', 1800, 12000, 'online'],
  ['playstation', 'PlayStation Store', 'store.playstation.com', 'PLAYSTATION NETWORK', 'gaming', '5816', 499, 6999, 'online'],
  ['steam', 'Steam', 'store.steampowered.com', 'STEAMGAMES.COM', 'gaming', '5816', 399, 5999, 'online'],
  ['game', 'GAME', 'www.game.co.uk', 'GAME RETAIL', 'gaming', '5945', 999, 6999, 'store'],
  ['bet365', 'bet365', 'www.bet365.com', 'BET365', 'gambling', '7995', 500, 5000, 'online'],
  ['paddy_power', 'Paddy Power', 'www.paddypower.com', 'PADDY POWER', 'gambling', '7995', 500, 4000, 'online'],
  ['sky_bet', 'Sky Bet', 'www.skybet.com', 'SKY BETTING', 'gambling', '7995', 500, 4500, 'online'],
  ['ladbrokes', 'Ladbrokes', 'www.ladbrokes.com', 'LADBROKES', 'gambling', '7995', 300, 3000, 'both'],
  ['william_hill', 'William Hill', 'www.williamhill.com', 'WILLIAM HILL', 'gambling', '7995', 300, 3500, 'both'],
  ['national_lottery', 'The National Lottery', 'www.national-lottery.co.uk', 'NATIONAL LOTTERY', 'gambling', '7800', 200, 1000, 'online'],
  ['hmv', 'HMV', 'hmv.com', 'HMV', 'music', '5735', 799, 3500, 'store'],
  ['bandcamp', 'Bandcamp', 'bandcamp.com', 'BANDCAMP', 'music', '5735', 500, 2500, 'online'],
  // Bills and their payees
  ['octopus_energy', 'Octopus Energy', 'octopus.energy', 'OCTOPUS ENERGY', 'energy', '4900', 6500, 18000, 'online'],
  ['british_gas', 'British Gas', 'www.britishgas.co.uk', 'BRITISH GAS', 'energy', '4900', 6000, 17000, 'online'],
  ['edf_energy', 'EDF', 'www.edfenergy.com', 'EDF ENERGY', 'energy', '4900', 5500, 16000, 'online'],
  ['ovo_energy', 'OVO', 'www.ovoenergy.com', 'OVO ENERGY', 'energy', '4900', 5500, 16500, 'online'],
  ['thames_water', 'Thames Water', 'www.thameswater.co.uk', 'THAMES WATER', 'water', '4900', 2800, 5200, 'online'],
  ['yorkshire_water', 'Yorkshire Water', 'www.yorkshirewater.com', 'YORKSHIRE WATER', 'water', '4900', 2600, 4800, 'online'],
  ['severn_trent', 'Severn Trent', 'www.stwater.co.uk', 'SEVERN TRENT WATER', 'water', '4900', 2500, 4600, 'online'],
  ['vodafone', 'Vodafone', 'www.vodafone.co.uk', 'VODAFONE LTD', 'mobile_phone', '4814', 1200, 4500, 'online'],
  ['ee', 'EE', 'ee.co.uk', 'EE LIMITED', 'mobile_phone', '4814', 1500, 5500, 'online'],
  ['o2', 'O2', 'www.o2.co.uk', 'O2 UK', 'mobile_phone', '4814', 1200, 4800, 'online'],
  ['three', 'Three', 'www.three.co.uk', 'HUTCHISON 3G', 'mobile_phone', '4814', 1000, 3800, 'online'],
  ['giffgaff', 'giffgaff', 'www.giffgaff.com', 'GIFFGAFF', 'mobile_phone', '4814', 800, 2000, 'online'],
  ['bt', 'BT', 'www.bt.com', 'BT GROUP PLC', 'tv_and_broadband', '4899', 2800, 6500, 'online'],
  ['sky', 'Sky', 'www.sky.com', 'SKY DIGITAL', 'tv_and_broadband', '4899', 2600, 9800, 'online'],
  ['virgin_media', 'Virgin Media', 'www.virginmedia.com', 'VIRGIN MEDIA', 'tv_and_broadband', '4899', 3200, 9500, 'online'],
  ['plusnet', 'Plusnet', 'www.plus.net', 'PLUSNET PLC', 'tv_and_broadband', '4899', 2200, 4500, 'online'],
  ['tv_licensing', 'TV Licensing', 'www.tvlicensing.co.uk', 'TV LICENCE MBP', 'tv_licence', '9399', 1422, 1422, 'online'],
  ['aviva', 'Aviva', 'www.aviva.co.uk', 'AVIVA INSURANCE', 'insurance', '6300', 1800, 9500, 'online'],
  ['direct_line', 'Direct Line', 'www.directline.com', 'DIRECT LINE INS', 'insurance', '6300', 2500, 11000, 'online'],
  ['admiral', 'Admiral', 'www.admiral.com', 'ADMIRAL INSURANCE', 'insurance', '6300', 3500, 14000, 'online'],
  ['lv', 'LV=', 'www.lv.com', 'LV INSURANCE', 'insurance', '6300', 1500, 8000, 'online'],
  ['simplyhealth', 'Simplyhealth', 'www.simplyhealth.co.uk', 'SIMPLYHEALTH', 'insurance', '6300', 1200, 4000, 'online'],
  // Health and wellbeing
  ['puregym', 'PureGym', 'www.puregym.com', 'PUREGYM LTD', 'gym', '7997', 1999, 2999, 'online'],
  ['the_gym_group', 'The Gym Group', 'www.thegymgroup.com', 'THE GYM GROUP', 'gym', '7997', 1899, 2799, 'online'],
  ['david_lloyd', 'David Lloyd', 'www.davidlloyd.co.uk', 'DAVID LLOYD LEISURE', 'gym', '7997', 8500, 14000, 'online'],
  ['bupa_dental', 'Bupa Dental Care', 'www.bupa.co.uk', 'BUPA DENTAL CARE', 'dentist', '8021', 2500, 28000, 'store'],
  ['mydentist', 'mydentist', 'www.mydentist.co.uk', 'MYDENTIST', 'dentist', '8021', 2500, 30000, 'store'],
  ['specsavers', 'Specsavers', 'www.specsavers.co.uk', 'SPECSAVERS', 'opticians', '8043', 2500, 25000, 'store'],
  ['vision_express', 'Vision Express', 'www.visionexpress.com', 'VISION EXPRESS', 'opticians', '8043', 2500, 22000, 'store'],
  ['toni_and_guy', 'Toni & Guy', 'www.toniandguy.com', 'TONI&GUY', 'hair_and_beauty', '7230', 2500, 9500, 'store'],
  ['headmasters', 'Headmasters', 'www.headmasters.com', 'HEADMASTERS', 'hair_and_beauty', '7230', 2200, 8500, 'store'],
  // Travel
  ['premier_inn', 'Premier Inn', 'www.premierinn.com', 'PREMIER INN', 'hotels', '7011', 4500, 18000, 'both'],
  ['travelodge', 'Travelodge', 'www.travelodge.co.uk', 'TRAVELODGE', 'hotels', '7011', 3500, 12000, 'both'],
  ['booking_com', 'Booking.com', 'www.booking.com', 'BOOKING.COM', 'hotels', '4722', 6000, 45000, 'online'],
  ['airbnb', 'Airbnb', 'www.airbnb.co.uk', 'AIRBNB', 'holidays', '4722', 8000, 90000, 'online'],
  ['jet2holidays', 'Jet2holidays', 'www.jet2holidays.com', 'JET2HOLIDAYS', 'holidays', '4722', 25000, 180000, 'online'],
  ['tui', 'TUI', 'www.tui.co.uk', 'TUI UK', 'holidays', '4722', 20000, 160000, 'online'],
  // Debt and lenders
  ['lending_stream', 'Lending Stream', 'www.lendingstream.co.uk', 'LENDING STREAM', 'payday_loans', '6012', 4000, 18000, 'online'],
  ['drafty', 'Drafty', 'www.drafty.co.uk', 'DRAFTY', 'payday_loans', '6012', 3000, 12000, 'online'],
  ['quidmarket', 'QuidMarket', 'www.quidmarket.com', 'QUIDMARKET', 'payday_loans', '6012', 3500, 15000, 'online'],
  ['lowell', 'Lowell', 'www.lowell.co.uk', 'LOWELL FINANCIAL', 'debt_collection', '7322', 1000, 5000, 'online'],
  ['cabot', 'Cabot Financial', 'www.cabotfinancial.co.uk', 'CABOT FINANCIAL', 'debt_collection', '7322', 1000, 4500, 'online'],
  ['barclaycard', 'Barclaycard', 'www.barclaycard.co.uk', 'BARCLAYCARD', 'credit_card_payments', '6012', 2500, 40000, 'online'],
  ['zopa', 'Zopa', 'www.zopa.com', 'ZOPA LTD', 'loan_repayments', '6012', 12000, 38000, 'online'],
  ['klarna', 'Klarna', 'www.klarna.com/uk', 'KLARNA', 'loan_repayments', '6012', 1500, 9000, 'online'],
  // Business
  ['ryman', 'Ryman', 'www.ryman.co.uk', 'RYMAN STATIONERY', 'office_supplies', '5943', 499, 6500, 'store'],
  ['viking', 'Viking', 'www.viking-direct.co.uk', 'VIKING DIRECT', 'office_supplies', '5943', 1500, 12000, 'online'],
  ['xero', 'Xero', 'www.xero.com', 'XERO UK', 'software', '5734', 1500, 4700, 'online'],
  ['quickbooks', 'QuickBooks', 'quickbooks.intuit.com/uk', 'INTUIT QUICKBOOKS', 'software', '5734', 1200, 3600, 'online'],
  ['google_workspace', 'Google Workspace', 'workspace.google.com', 'GOOGLE *GSUITE', 'software', '5734', 590, 2760, 'online'],
  ['microsoft', 'Microsoft', 'www.microsoft.com', 'MICROSOFT*365', 'software', '5734', 599, 1599, 'online'],
  ['vistaprint', 'Vistaprint', 'www.vistaprint.co.uk', 'VISTAPRINT', 'office_supplies', '7338', 1200, 9500, 'online'],
  ['machine_mart', 'Machine Mart', 'www.machinemart.co.uk', 'MACHINE MART', 'equipment', '5251', 1500, 45000, 'store'],
  ['travis_perkins', 'Travis Perkins', 'www.travisperkins.co.uk', 'TRAVIS PERKINS', 'equipment', '5211', 2500, 60000, 'store'],
  ['hmrc', 'HMRC', 'www.gov.uk', 'HMRC', 'tax', '9311', 10000, 400000, 'online'],
  // Charity and education
  ['cancer_research_uk', 'Cancer Research UK', 'www.cancerresearchuk.org', 'CANCER RESEARCH UK', 'donations', '8398', 500, 2000, 'online'],
  ['british_heart_foundation', 'British Heart Foundation', 'www.bhf.org.uk', 'BRITISH HEART FOUNDATION', 'donations', '8398', 500, 2000, 'online'],
  ['oxfam', 'Oxfam', 'www.oxfam.org.uk', 'OXFAM', 'donations', '8398', 300, 1500, 'store'],
  ['rspca', 'RSPCA', 'www.rspca.org.uk', 'RSPCA', 'donations', '8398', 500, 1500, 'online'],
  ['open_university', 'The Open University', 'www.open.ac.uk', 'OPEN UNIVERSITY', 'tuition', '8220', 15000, 60000, 'online'],
  // Abroad (card payments in another currency)
  ['carrefour', 'Carrefour', 'www.carrefour.fr', 'CARREFOUR', 'groceries', '5411', 900, 6500, 'store'],
  ['fnac', 'Fnac', 'www.fnac.com', 'FNAC', 'electronics', '5732', 1500, 25000, 'store'],
  ['mercadona', 'Mercadona', 'www.mercadona.es', 'MERCADONA', 'groceries', '5411', 800, 5500, 'store'],
  ['el_corte_ingles', 'El Corte Inglés', 'www.elcorteingles.es', 'EL CORTE INGLES', 'department_stores', '5311', 1500, 18000, 'store'],
  ['albert_heijn', 'Albert Heijn', 'www.ah.nl', 'ALBERT HEIJN', 'groceries', '5411', 600, 4500, 'store']
]

export const MERCHANTS: readonly Merchant[] = rows.map(([slug, displayName, website, raw, l2, mcc, min, max, channel]) => ({ slug, displayName, website, raw, l2, mcc, pence: [min, max], channel }))
const BY_SLUG = new Map(MERCHANTS.map((m) => [m.slug, m]))

export function merchant (slug: string): Merchant {
  const found = BY_SLUG.get(slug)
  if (found === undefined) throw new Error(`no merchant ${slug}`)
  return found
}

const BY_CATEGORY = new Map<L2, Merchant[]>()

/** The UK merchants of one L2 category. */
export function merchantsIn (l2: L2): readonly Merchant[] {
  let found = BY_CATEGORY.get(l2)
  if (found === undefined) BY_CATEGORY.set(l2, found = MERCHANTS.filter((m) => m.l2 === l2 && !ABROAD.has(m.slug)))
  return found
}

/** Merchants abroad, with the country and currency a card payment there is in. */
export interface Abroad { country: string, currency: string, city: string, region: string, latitude: number, longitude: number }
export const ABROAD = new Map<string, Abroad>([
  ['carrefour', { country: 'FR', currency: 'EUR', city: 'Paris', region: 'Île-de-France', latitude: 48.8566, longitude: 2.3522 }],
  ['fnac', { country: 'FR', currency: 'EUR', city: 'Paris', region: 'Île-de-France', latitude: 48.8606, longitude: 2.3376 }],
  ['mercadona', { country: 'ES', currency: 'EUR', city: 'Málaga', region: 'Andalucía', latitude: 36.7213, longitude: -4.4214 }],
  ['el_corte_ingles', { country: 'ES', currency: 'EUR', city: 'Madrid', region: 'Comunidad de Madrid', latitude: 40.4168, longitude: -3.7038 }],
  ['albert_heijn', { country: 'NL', currency: 'EUR', city: 'Amsterdam', region: 'Noord-Holland', latitude: 52.3676, longitude: 4.9041 }]
])

/** Payment processors Bud names when the raw text shows one. */
export interface Processor {
  slug: string
  displayName: string
  website: string
  /** What the raw text shows of it. */
  token: string
}

export const PROCESSORS = {
  visa: { slug: 'visa', displayName: 'Visa', website: 'www.visa.co.uk', token: 'visa' },
  mastercard: { slug: 'mastercard', displayName: 'Mastercard', website: 'www.mastercard.co.uk', token: 'mastercard' },
  paypal: { slug: 'paypal', displayName: 'PayPal', website: 'www.paypal.com', token: 'paypal' },
  apple_pay: { slug: 'apple_pay', displayName: 'Apple Pay', website: 'www.apple.com/apple-pay', token: 'apple pay' },
  google_pay: { slug: 'google_pay', displayName: 'Google Pay', website: 'pay.google.com', token: 'google pay' },
  sumup: { slug: 'sumup', displayName: 'SumUp', website: 'www.sumup.com', token: 'sumup' },
  zettle: { slug: 'zettle', displayName: 'Zettle by PayPal', website: 'www.zettle.com', token: 'zettle' },
  square: { slug: 'square', displayName: 'Square', website: 'squareup.com', token: 'sq' }
} as const satisfies Record<string, Processor>

export type ProcessorSlug = keyof typeof PROCESSORS

/** Small independent shops and cafés paid through a card reader: the processor is all Bud can name. */
export const INDEPENDENTS: readonly { raw: string, l2: L2, mcc: string, pence: readonly [number, number] }[] = [
  { raw: 'THE FLOUR POT', l2: 'coffee', mcc: '5814', pence: [280, 1200] },
  { raw: 'BEAN THERE CAFE', l2: 'coffee', mcc: '5814', pence: [250, 950] },
  { raw: 'GREEN LEAF DELI', l2: 'eating_out', mcc: '5812', pence: [450, 1600] },
  { raw: 'RED LION', l2: 'pubs_and_bars', mcc: '5813', pence: [450, 3800] },
  { raw: 'MARKET ST BARBERS', l2: 'hair_and_beauty', mcc: '7230', pence: [1200, 2500] },
  { raw: 'OLD TOWN BOOKS', l2: 'books', mcc: '5942', pence: [500, 2800] }
]
