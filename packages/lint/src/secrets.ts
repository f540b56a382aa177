/**
 * Credentials written into a hand-written DAG file, beyond what core's `secretName` and
 * `urlCredential` say (the names and URLs the compiler refuses in pipelines): whether a literal
 * given under a credential's name is one, and tokens whose shape names their issuer (AWS access
 * keys, GitHub, Slack, Hugging Face, Databricks, OpenAI, Stripe, Google API keys, JWTs, private
 * keys). Nothing here keeps or returns a secret's text: what is found is described by its kind.
 */
import { secretName, snakeWords, urlCredential } from "@mlgen/core/light";

/** An HTTP Authorization header's value with a credential: `Bearer ...`, `Basic ...`, `Token ...`. */
export function authorizationValue(value: string): boolean {
  return /^(?:Bearer|Basic|Token)\s+\S{8,}$/i.test(value.trim());
}

/** Words people write where the real value goes. */
const PLACEHOLDER =
  /^(?:<[^>]*>|\[[^\]]*\]|[*xX•.#_-]+|none|null|nil|true|false|dummy|fake|test|testing|example|sample|placeholder|redacted|masked|hidden|secret|password|passwd|pass|token|your[\w-]*|[\w-]*_here|todo|tbd|n\/a|unknown|unused|empty|default|my[-_]\S+)$/i;

/**
 * Whether a literal given to a credential's slot is one: not a template or a reference read when
 * the task runs (`{{ conn.db.password }}`, `${TOKEN}`, `%(token)s`, `$TOKEN`), not a placeholder
 * (`<password>`, `***`, `your-token-here`, `T00000000/B00000000/XXXXXXXX`), not the name of an
 * environment variable (`"MLFLOW_TRACKING_TOKEN"`), a Python path, a label that says what it is
 * (`"Passwords"`, `"_token"`), a path or URL (a secret's location), or prose; and made like a
 * credential: a digit, a symbol, or 20 characters or more (a word such as `"airflow"` given to
 * `password=` is left alone, as are the stand-ins of examples).
 */
export function secretValue(value: string, name = ""): boolean {
  const v = value.trim();
  if (v.length < 6 || PLACEHOLDER.test(v)) return false;
  // `T00000000/B00000000/XXXXXXXXXXXXXXXX`, `0000-0000-0000`: a pattern's stand-in, not a key.
  if (v.length >= 12 && new Set(v.replace(/[^A-Za-z0-9]/g, "")).size <= 4) return false;
  if (/\{\{|\{%|\$\{|%\(|^\$\w|^\{\w*\}$|^%s$/.test(v)) return false;
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(v)) return false;
  if (/^(?:\/|~\/|\.\.?\/|[a-z][a-z0-9+.-]*:\/\/)/i.test(v) && !/:\/\/[^\s/@]*:[^\s/@]+@/.test(v)) {
    return false;
  }
  if (/\s/.test(v) && !authorizationValue(v)) return false;
  // A file that holds it (`credentials="sa.json"`) is its location.
  if (/\.(?:json|pem|key|p12|pfx|crt|txt|ya?ml|cfg|ini|env|conf)$/i.test(v)) return false;
  if (name && snakeWords(v) === snakeWords(name)) return false;
  if (/password|passwd|secret|token/i.test(v) || /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$/.test(v))
    return false;
  // A regular expression (`r"[^\W\d]\w*"`), or words joined (`test_fs_limited_user`).
  if (/\\[wdsWDSb]|\[\^/.test(v) || /^[a-z]+(?:[_-][a-z]+)+$/.test(v)) return false;
  return /\d/.test(v) || v.length >= 20 || /[^A-Za-z0-9\s_-]/.test(v);
}

/** A stand-in written to show a token's shape: `sk-1234567890abcdef...`, `AKIAIOSFODNN7EXAMPLE`. */
const STAND_IN = /EXAMPLE|0123456789|1234567890|abcdefghij|ABCDEFGHIJ/i;

/**
 * Whether a string literal as written (quotes and all) may hold a value secretValue takes: long
 * enough, and a digit, a symbol or 20 characters. Most literals (ids, names, words) are not.
 */
export function mayBeCredential(raw: string): boolean {
  return raw.length >= 8 && (raw.length >= 22 || /\d|[^A-Za-z0-9\s_'"-]/.test(raw));
}

/** Tokens whose shape names their issuer. */
const SHAPES: readonly (readonly [RegExp, string])[] = [
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, "an AWS access key id"],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,})\b/g, "a GitHub token"],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, "a Slack token"],
  [
    /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,}/g,
    "a Slack webhook URL (its path is the credential)",
  ],
  [/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/g, "a private key"],
  [/\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, "a Google API key"],
  [/\bhf_[A-Za-z]{34}\b/g, "a Hugging Face token"],
  [/\bdapi[0-9a-f]{32}(?:-\d)?\b/g, "a Databricks token"],
  [/\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}/g, "an OpenAI API key"],
  [/\b[rs]k_live_[0-9A-Za-z]{24,}\b/g, "a Stripe live key"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, "a JSON web token"],
];

/** A word some credential's name ends in (core's secretName), to look for names at all. */
const SECRET_WORD = /passw|pwd|token|secret|key|credential/i;
/** The literal each of SHAPES starts with (a shape added there needs its start here too). */
const SHAPE_HINT =
  /hooks\.slack\.com|AKIA|ASIA|gh[pousr]_|github_pat_|xox|PRIVATE KEY|AIza|hf_|dapi|sk-|k_live_|eyJ/;
/** What each check of secretsIn needs in a text (a shape's prefix, `://`, `=`, `--`, a header). */
const MAY_HOLD = new RegExp(`${SHAPE_HINT.source}|://|=|--|uthorization|\\s-[pu]`);
const URL_TEXT = /\b([a-z][a-z0-9+.-]*):\/\/[^\s'"`<>]*/gi;

/**
 * Whether a text holds what any check of secretsIn starts from: most strings do not, and one
 * pass over the text (as written, or its value) rules them out.
 */
export function mayHoldSecret(text: string): boolean {
  return MAY_HOLD.test(text);
}

/** A found credential: what it is, and where it is in the text searched. */
export interface SecretAt {
  readonly what: string;
  readonly index: number;
  readonly length: number;
}

/** A shell word's value: `"..."`, `'...'` or bare. */
const WORD = String.raw`(?:"([^"\n]*)"|'([^'\n]*)'|([^\s;&|'"\`()<>]+))`;
/** `export DB_PASSWORD=...`, `PGPASSWORD=... psql`: an environment variable set in a command. */
const SHELL_ASSIGNMENT = new RegExp(
  String.raw`(?<![\w$.-])(?:export\s+)?([A-Za-z_]\w*)=${WORD}`,
  "g",
);
/** `--password S3cret`, `--api-key=...`: a command-line option's value. */
const OPTION = new RegExp(String.raw`(?<![\w-])--([A-Za-z][\w-]*)(?:=|[ \t]+)${WORD}`, "g");
/**
 * Clients that take a password in a short option, each with what its finding calls it and the
 * part of the value that is the password: `mysql -pS3cret` (attached: `-p S3cret` asks for one
 * and names a database), `sshpass -p S3cret`, `curl -u user:S3cret` (without `:pass` curl asks).
 */
const CLIENT_PASSWORDS: readonly (readonly [RegExp, string, (value: string) => string])[] = [
  [
    new RegExp(
      String.raw`\b(?:mysql(?:dump|admin|import)?|mariadb(?:-dump)?)\b[^\n;&|]*?(?<![\w-])-p${WORD}`,
      "g",
    ),
    "a literal password given to mysql as -p<password>",
    (v) => v,
  ],
  [
    new RegExp(String.raw`\bsshpass\s+-p[ \t]*${WORD}`, "g"),
    "a literal password given to sshpass -p",
    (v) => v,
  ],
  [
    new RegExp(
      String.raw`\b(?:curl|wget)\b[^\n;&|]*?(?<![\w-])(?:-u[ \t]*|--user[ \t=]+)${WORD}`,
      "g",
    ),
    "a literal user:password given to curl -u",
    (v) => (v.includes(":") ? v.slice(v.indexOf(":") + 1) : ""),
  ],
];
const CLIENTS = /\b(?:mysql|mariadb|sshpass|curl|wget)/;

/** `-H "Authorization: Bearer ..."`: a header in a command. */
const HEADER = /\bAuthorization:\s*(?:Bearer|Basic|Token)\s+([^\s'"`\\]+)/gi;

/**
 * What a text holds: tokens by their shape, URLs that carry a credential, and in a command
 * (a bash_command, a script, a container's arguments) a credential's environment variable set
 * to a literal, an option that names one given a literal, a password in a client's short option
 * (`mysql -p...`, `sshpass -p`, `curl -u user:...`), or an Authorization header.
 */
export function secretsIn(text: string): SecretAt[] {
  if (!mayHoldSecret(text)) return [];
  const out: SecretAt[] = [];
  const add = (what: string, index: number, length: number) => out.push({ what, index, length });
  for (const [re, what] of SHAPE_HINT.test(text) ? SHAPES : []) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (!STAND_IN.test(m[0])) add(what, m.index, m[0].length);
    }
  }
  // core's check, as the compiler's (a password in the user info, a web URL's user, a token in
  // the query), when what it carries is made like a credential: documentation's
  // `postgresql://scott:tiger@host` is not. Described by the URL's scheme only.
  for (const m of text.includes("://") ? text.matchAll(URL_TEXT) : []) {
    if (urlSecret(m[0])) add(`a credential in a ${m[1]}:// URL`, m.index, m[0].length);
  }
  for (const [re, prefix, needs] of [
    [SHELL_ASSIGNMENT, "", "="],
    [OPTION, "--", "--"],
  ] as const) {
    if (text.includes(needs) && SECRET_WORD.test(text)) {
      for (const m of text.matchAll(re)) {
        const [, name = "", ...values] = m;
        const value = values.find((v) => v !== undefined) ?? "";
        if (secretName(name) && secretValue(value, name))
          add(`a literal value for '${prefix}${name}'`, m.index, m[0].length);
      }
    }
  }
  for (const [re, what, password] of CLIENTS.test(text) ? CLIENT_PASSWORDS : []) {
    for (const m of text.matchAll(re)) {
      const value = m.slice(1).find((v) => v !== undefined) ?? "";
      if (secretValue(password(value))) add(what, m.index, m[0].length);
    }
  }
  for (const m of text.includes("uthorization") ? text.matchAll(HEADER) : []) {
    if (secretValue(m[1] ?? "")) add("a literal Authorization header", m.index, m[0].length);
  }
  // One credential found two ways (a token by its shape, given to PASSWORD=) is one finding.
  const sorted = out.sort((a, b) => a.index - b.index);
  return sorted.filter(
    (f, i) =>
      !sorted.slice(0, i).some((e) => f.index < e.index + e.length && e.index < f.index + f.length),
  );
}

const QUERY_SECRET =
  /token|passw(?:or)?d|pwd|secret|api[_-]?key|apikey|signature|credential|^sig$/i;

/** Whether a URL carries a credential (core's urlCredential) made like one (secretValue). */
function urlSecret(url: string): boolean {
  if (!urlCredential(url)) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return true;
  }
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const carried = [
    parsed.password ? decode(parsed.password) : decode(parsed.username),
    ...[...parsed.searchParams].filter(([k]) => QUERY_SECRET.test(k)).map(([, v]) => v),
  ];
  return carried.some((c) => secretValue(c));
}
