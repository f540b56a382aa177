/**
 * An error answer's body as text and, when it is JSON, parsed. Servers and proxies in front of
 * them answer errors with HTML or plain text too; those keep their text and `json` is undefined.
 */
export async function readErrorBody(response: Response): Promise<{ text: string; json: unknown }> {
  const text = await response.text().catch(() => "");
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    return { text, json: undefined };
  }
}

/**
 * Why a success answer that should hold JSON does not — a login page or a proxy's answer when
 * the configured URL is not the API server itself — or null when it does (or is empty). A body
 * labelled JSON is not read here; openapi-fetch reads it.
 */
export async function notJsonSuccess(
  response: Response,
  secrets: readonly string[] = [],
): Promise<string | null> {
  if (!response.ok || response.status === 204) return null;
  const type = response.headers.get("content-type") ?? "";
  if (/\bjson\b/i.test(type)) return null;
  const text = (await response.clone().text()).trim();
  if (text === "") return null;
  try {
    JSON.parse(text);
    return null;
  } catch {
    return `the answer is not JSON (${type || "no content type"}): is the URL the API server itself, not a login page or a proxy? It began: ${scrub(text, secrets).slice(0, 200)}`;
  }
}

/**
 * Whether fetch refuses `value` as a header value (a line break inside, a control character, a
 * character beyond Latin-1). Checked before sending, without the value: fetch's own error would
 * print the whole header, credential and all.
 */
export function unsendableHeader(value: string): boolean {
  return /[^\t\x20-\x7e\x80-\xff]/.test(value);
}

/**
 * `response` (a success labelled JSON) read and parsed here, so a body that is not JSON (a
 * proxy's truncated or garbled answer) is said through `invalid` with what came back, instead of
 * JSON.parse's bare SyntaxError. Parsed once: the Response returned hands out the value parsed
 * here (openapi-fetch calls `json()` when there is a Content-Length, as set here).
 */
export async function strictJson(
  response: Response,
  invalid: (problem: string) => Error,
  secrets: readonly string[] = [],
): Promise<Response | undefined> {
  if (!response.ok || response.status === 204 || response.body === null) return undefined;
  const text = await response.text();
  let value: unknown;
  try {
    value = text.trim() === "" ? undefined : JSON.parse(text);
  } catch (e) {
    throw invalid(
      `the answer is labelled JSON but is not (${(e as Error).message}): is the URL the API server itself, not a proxy? It began: ${scrub(text.trim(), secrets).slice(0, 200)}`,
    );
  }
  const headers = new Headers(response.headers);
  headers.set("content-length", value === undefined ? "0" : String(Buffer.byteLength(text)));
  headers.delete("transfer-encoding");
  const parsed = new Response(text, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
  Object.defineProperty(parsed, "json", { value: async () => value });
  return parsed;
}

/**
 * `text` with every credential in `secrets` replaced by `***` (longest first). Credentials of
 * fewer than 4 characters are left: replacing every `t` of a body would mangle it, and hide
 * nothing worth hiding.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = secrets.filter((x) => x.length >= 4).flatMap(secretForms);
  for (const form of [...new Set(forms)].sort((a, b) => b.length - a.length)) {
    out = out.replaceAll(form, "***");
  }
  return out;
}

/**
 * A credential as a body that repeats the request may spell it: as sent, JSON-escaped (a JSON
 * echo of a JSON body: `pa\"ss`), URL- and form-encoded, and in Python's repr (`pa\'ss`, as
 * FastAPI's validation errors quote the input).
 */
function secretForms(secret: string): string[] {
  // fetch strips a header value's leading and trailing HTTP whitespace before sending, so a
  // server echoes a token read with its file's line end (`tok\r`) without it.
  const sent = secret.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  if (sent !== secret && sent.length >= 4) return [...secretForms(sent), ...oneSecretForms(secret)];
  return oneSecretForms(secret);
}

function oneSecretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const url = encodeURIComponent(secret);
  // RFC 3986's strict form (Python's quote_plus also escapes ! ' ( ) *), and URLSearchParams'.
  const strict = url.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = new URLSearchParams({ x: secret }).toString().slice(2);
  const repr = secret.replaceAll("\\", "\\\\").replaceAll("'", "\\'");
  const encoded = [url, strict, form].flatMap((e) => [e, e.replaceAll("%20", "+")]);
  // Percent-escapes in lower case too (%2a), as some encoders write them.
  const lower = encoded.map((e) => e.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  return [secret, json, repr, ...encoded, ...lower];
}

/**
 * An error answer with every credential in its body replaced by `***`: errors quote the body,
 * and a server or proxy may repeat the request's Authorization header in it. Successes pass
 * untouched (a download's bytes are never buffered here).
 */
export async function scrubbedError(
  response: Response,
  secrets: readonly string[],
): Promise<Response> {
  return response.ok ? response : scrubbedBody(response, secrets);
}

/** `response` with every credential in its body replaced by `***` (the body read whole). */
export async function scrubbedBody(
  response: Response,
  secrets: readonly string[],
): Promise<Response> {
  if (!response.body || secrets.length === 0) return response;
  return new Response(scrub(await response.text(), secrets), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
