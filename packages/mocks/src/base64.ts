/**
 * base64 of UTF-8 text, and back, with the Web platform's own functions (atob, btoa,
 * TextEncoder): the fakes run in browsers too, where Node's Buffer does not exist.
 */
export function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function base64url(text: string): string {
  return base64(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes base64 to text; invalid UTF-8 becomes U+FFFD, as Node's Buffer does. */
export function fromBase64(data: string): string {
  const binary = atob(data);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** A random UUID from the Web Crypto API (Node ≥ 19 and every browser). */
export function uuid(): string {
  return globalThis.crypto.randomUUID();
}
