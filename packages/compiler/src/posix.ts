/** Python's posixpath.join of literal parts: an absolute part starts the path over. */
export function posixJoin(parts: readonly string[]): string {
  let path = parts[0] ?? "";
  for (const part of parts.slice(1)) {
    if (part.startsWith("/")) path = part;
    else if (path === "" || path.endsWith("/")) path += part;
    else path += `/${part}`;
  }
  return path;
}
