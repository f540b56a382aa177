/**
 * What says a value is a credential: the name it is given under, and a URL that carries one.
 * The compiler refuses such literals in pipelines (MLG1011), and `mlgen lint` reports them in
 * hand-written DAG files (hardcoded-secret): both read them here.
 */

/** A URL's scheme and user info, anywhere in a text (a command, an input, a tracking URI). */
const USERINFO = /\b([a-z][a-z0-9+.-]*):\/\/([^/?#\s@"'`]*)@/gi;
/** Web schemes: any user info is a credential (HTTP clients send `token@` as basic auth). */
const WEB = /^(https?|wss?|ftps?)$/i;
/** A query parameter that carries a credential: `?access_token=...`, `&sig=...` (Azure SAS). */
const SECRET_QUERY =
  /[?&](?:[\w.-]*(?:token|passw(?:or)?d|pwd|secret|api[_-]?key|apikey|signature|credential)[\w.-]*|sig)=(?!&|#|$|\s)/i;

/**
 * Whether `text` holds a credential in a URL: `user:password@` (a user name alone, as databases
 * take it, is no secret, except in a web URL, where clients send it as basic auth), or a token
 * in the query. Parts written as a template, a shell variable or a format field (`{{ ... }}`,
 * `$TOKEN`, `%(pw)s`) are filled in at run time: they are no secret here.
 */
export function urlCredential(text: string): boolean {
  for (const m of text.matchAll(USERINFO)) {
    const [, scheme = "", info = ""] = m;
    if (info === "" || /\{\{|\$|%\(|\{[\w.]*\}/.test(info)) continue;
    const password = info.includes(":") ? info.slice(info.indexOf(":") + 1) : "";
    if (password !== "" || WEB.test(scheme)) return true;
  }
  // Only in a text with a URL: `--password=x` on a command line is no query.
  return text.includes("://") && SECRET_QUERY.test(text.replace(/\{\{.*?\}\}|\$\{?\w+\}?/g, ""));
}

/** Tokens that mark a place in a listing or a form's nonce, not a credential. */
const NOT_SECRET =
  /(?:^|[_.-])(?:page|next|continuation|pagination|sync|csrf|cancellation)[_-]token$/;

/** A name's words in snake case: `apiKey`, `X-API-Key`, `--db-password` → `api_key`, `x_api_key`, `_db_password`. */
export function snakeWords(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toLowerCase();
}

/**
 * Whether a name says its value is a secret: its last word is one (MLFLOW_TRACKING_PASSWORD,
 * api_token, awsSecretAccessKey), not a word before it (TOKEN_PATH, secret_name).
 */
export function secretName(name: string): boolean {
  const words = snakeWords(name);
  return (
    (/(?:^|[_.-])(?:passw(?:or)?d|pwd|token|secret|(?:secret|access|api|private)[_-]?key|apikey|credentials?)$/.test(
      words,
    ) ||
      // libpq's password variable, one word.
      words === "pgpassword") &&
    !NOT_SECRET.test(words)
  );
}
