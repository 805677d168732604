// UK towns a customer lives in or passes through, with their county, the
// postcode area and a point near the centre; and the streets a shop stands
// on. An address is made from a town, a street and a seed: plausible, not real.

export interface Town {
  city: string
  region: string
  /** The postcode's outward part before its district number: `LS`, `M`, `SW`. */
  area: string
  latitude: number
  longitude: number
}

export const TOWNS: readonly Town[] = [
  { city: 'London', region: 'Greater London', area: 'SW', latitude: 51.4975, longitude: -0.1357 },
  { city: 'London', region: 'Greater London', area: 'N', latitude: 51.5465, longitude: -0.1058 },
  { city: 'London', region: 'Greater London', area: 'SE', latitude: 51.4613, longitude: -0.0739 },
  { city: 'Manchester', region: 'Greater Manchester', area: 'M', latitude: 53.4808, longitude: -2.2426 },
  { city: 'Leeds', region: 'West Yorkshire', area: 'LS', latitude: 53.8008, longitude: -1.5491 },
  { city: 'Birmingham', region: 'West Midlands', area: 'B', latitude: 52.4862, longitude: -1.8904 },
  { city: 'Bristol', region: 'Bristol', area: 'BS', latitude: 51.4545, longitude: -2.5879 },
  { city: 'Sheffield', region: 'South Yorkshire', area: 'S', latitude: 53.3811, longitude: -1.4701 },
  { city: 'Liverpool', region: 'Merseyside', area: 'L', latitude: 53.4084, longitude: -2.9916 },
  { city: 'Newcastle upon Tyne', region: 'Tyne and Wear', area: 'NE', latitude: 54.9783, longitude: -1.6178 },
  { city: 'Nottingham', region: 'Nottinghamshire', area: 'NG', latitude: 52.9548, longitude: -1.1581 },
  { city: 'Leicester', region: 'Leicestershire', area: 'LE', latitude: 52.6369, longitude: -1.1398 },
  { city: 'Brighton', region: 'East Sussex', area: 'BN', latitude: 50.8225, longitude: -0.1372 },
  { city: 'Cardiff', region: 'Cardiff', area: 'CF', latitude: 51.4816, longitude: -3.1791 },
  { city: 'Norwich', region: 'Norfolk', area: 'NR', latitude: 52.6309, longitude: 1.2974 },
  { city: 'Exeter', region: 'Devon', area: 'EX', latitude: 50.7184, longitude: -3.5339 },
  { city: 'York', region: 'North Yorkshire', area: 'YO', latitude: 53.959, longitude: -1.0815 },
  { city: 'Oxford', region: 'Oxfordshire', area: 'OX', latitude: 51.752, longitude: -1.2577 },
  { city: 'Cambridge', region: 'Cambridgeshire', area: 'CB', latitude: 52.2053, longitude: 0.1218 },
  { city: 'Reading', region: 'Berkshire', area: 'RG', latitude: 51.4543, longitude: -0.9781 },
  { city: 'Southampton', region: 'Hampshire', area: 'SO', latitude: 50.9097, longitude: -1.4044 },
  { city: 'Plymouth', region: 'Devon', area: 'PL', latitude: 50.3755, longitude: -4.1427 },
  { city: 'Milton Keynes', region: 'Buckinghamshire', area: 'MK', latitude: 52.0406, longitude: -0.7594 },
  { city: 'Swansea', region: 'Swansea', area: 'SA', latitude: 51.6214, longitude: -3.9436 },
  { city: 'Hull', region: 'East Riding of Yorkshire', area: 'HU', latitude: 53.7676, longitude: -0.3274 },
  { city: 'Coventry', region: 'West Midlands', area: 'CV', latitude: 52.4068, longitude: -1.5197 },
  { city: 'Bath', region: 'Somerset', area: 'BA', latitude: 51.3811, longitude: -2.359 },
  { city: 'Chester', region: 'Cheshire', area: 'CH', latitude: 53.1934, longitude: -2.8931 },
  { city: 'Canterbury', region: 'Kent', area: 'CT', latitude: 51.2802, longitude: 1.0789 },
  { city: 'Harrogate', region: 'North Yorkshire', area: 'HG', latitude: 53.9921, longitude: -1.5418 }
]

export const STREETS = [
  'High Street', 'Market Street', 'Station Road', 'Church Street', 'Queen Street', 'King Street', 'London Road',
  'Victoria Road', 'Park Lane', 'Bridge Street', 'Castle Street', 'Mill Lane', 'North Street', 'The Parade',
  'Albert Road', 'George Street', 'Commercial Road', 'Broad Street', 'Chapel Street', 'Westgate', 'Fore Street',
  'Retail Park', 'Shopping Centre', 'New Road'
] as const

const LETTERS = 'ABDEFGHJLNPQRSTUWXYZ'

export interface Address {
  streetAddress: string
  city: string
  region: string
  postalCode: string
  latitude: number
  longitude: number
}

/** A shop's address in `town`, all of it from `bits` (a 32-bit seed). */
export function addressIn (town: Town, bits: number): Address {
  const u = bits >>> 0
  const number = 1 + (u % 240)
  const street = STREETS[(u >>> 8) % STREETS.length]!
  const district = 1 + ((u >>> 12) % 19)
  const sector = (u >>> 17) % 10
  const unit = LETTERS[(u >>> 21) % LETTERS.length]! + LETTERS[(u >>> 26) % LETTERS.length]!
  const dLat = (((u >>> 3) % 2001) - 1000) / 40_000
  const dLon = (((u >>> 13) % 2001) - 1000) / 25_000
  return {
    streetAddress: street === 'Retail Park' || street === 'Shopping Centre' ? `Unit ${number % 40 + 1}, ${town.city} ${street}` : `${number} ${street}`,
    city: town.city,
    region: town.region,
    postalCode: `${town.area}${district} ${sector}${unit}`,
    latitude: Math.round((town.latitude + dLat) * 1e6) / 1e6,
    longitude: Math.round((town.longitude + dLon) * 1e6) / 1e6
  }
}
