/** The one place where text becomes POSIX shell: a single-quoted word whose value is exactly `s`. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
