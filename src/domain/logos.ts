// Logos the sandbox draws itself, so that what shows them works offline:
// a name's initials on a colour of its own, as a small SVG. The same name
// always gives the same image. Providers are round, merchants and payment
// processors square.

/** The initials of a name: the first letters of its first two words that start with one (A–Z only, so nothing in it needs escaping). */
function initialsOf (name: string): string {
  return name.split(/\s+/).filter((w) => /^[A-Za-z]/.test(w)).slice(0, 2).map((w) => w[0]!.toUpperCase()).join('') || '?'
}

function hueOf (name: string): number {
  let hue = 0
  for (const char of name) hue = (hue * 31 + char.charCodeAt(0)) % 360
  return hue
}

/** The logo of `name` as an SVG document. */
export function logoSvg (name: string, shape: 'round' | 'square'): string {
  const fill = `hsl(${hueOf(name)},55%,40%)`
  const backdrop = shape === 'round' ? `<circle cx="32" cy="32" r="32" fill="${fill}"/>` : `<rect width="64" height="64" rx="12" fill="${fill}"/>`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">${backdrop}<text x="32" y="41" font-family="sans-serif" font-size="24" font-weight="bold" fill="#fff" text-anchor="middle">${initialsOf(name)}</text></svg>`
}

/** The logo of `name` as a data URL, for a page that shows it inline. */
export function logoDataUrl (name: string, shape: 'round' | 'square'): string {
  return `data:image/svg+xml,${encodeURIComponent(logoSvg(name, shape))}`
}
