/** Reading Jinja templates, as the compiler (generated DAGs) and the linter (hand-written) do. */

/** Whether a templated string may hold Jinja code at all (most strings do not). */
export const mayHoldJinja = (text: string) => text.includes("{{") || text.includes("{%");

/**
 * The code of a template's `{{ ... }}` expressions and `{% ... %}` statements (`{% set v =
 * ti.xcom_pull(...) %}` runs too), each with the offset where it starts in `text`; `{# ... #}`
 * comments are left out, as Jinja renders nothing of them.
 */
export function* jinjaCode(text: string): Generator<{ base: number; inner: string }> {
  for (let at = text.indexOf("{"); at >= 0 && at < text.length - 1; at = text.indexOf("{", at)) {
    const kind = text[at + 1];
    const end = kind === "{" ? "}}" : kind === "%" ? "%}" : kind === "#" ? "#}" : null;
    if (end === null) {
      at++;
      continue;
    }
    const close = text.indexOf(end, at + 2);
    if (close < 0) return;
    if (kind !== "#") yield { base: at + 2, inner: text.slice(at + 2, close) };
    at = close + 2;
  }
}
