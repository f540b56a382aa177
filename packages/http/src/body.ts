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
