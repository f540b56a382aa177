import { readFileSync } from "node:fs";
import {
  type HttpOptions,
  proxyFromEnv,
  type TlsOptions,
  unsendableHeader,
  type WaitClock,
  withHidden,
} from "@mlgen/http";

export type { WaitClock };

import { MlflowConfigError } from "./errors.js";

export type MlflowAuth =
  | { readonly token: string }
  | { readonly username: string; readonly password: string };

export interface MlflowClientOptions extends HttpOptions {
  /**
   * Server root, e.g. `http://127.0.0.1:5000` (a path prefix is kept). Default:
   * `MLFLOW_TRACKING_URI`. Credentials in the URL (`http://user:pass@host`) become basic auth.
   */
  readonly trackingUri?: string | undefined;
  /**
   * Bearer token or basic auth. Default, as the Python client: `MLFLOW_TRACKING_USERNAME` and
   * `_PASSWORD` (each, when unset, from `~/.mlflow/credentials`) when both are known, else
   * `MLFLOW_TRACKING_TOKEN`.
   */
  readonly auth?: MlflowAuth | undefined;
  /**
   * Where the fallbacks are read; default `process.env`. The proxy variables (HTTPS_PROXY,
   * HTTP_PROXY, ALL_PROXY, NO_PROXY) are read from it too, as Python's client reads them, unless
   * `proxy` is given.
   */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

export interface ResolvedConfig {
  readonly baseUrl: string;
  /** The Authorization header value, or null. Kept out of everything that is printed. */
  readonly authorization: string | null;
  /**
   * The credentials as they may come back in an error body (a server or proxy repeating the
   * request's headers): the header value, the token or password alone, extra header values.
   */
  readonly secrets: readonly string[];
}

/**
 * The answer, its credentials kept where printing does not reach, as the client keeps them in a
 * closure: properties that are not enumerable (JSON.stringify and a spread leave them out), and
 * a printed form (console.log, util.inspect, showHidden too) that says `Basic ***`.
 */
function resolved(
  baseUrl: string,
  authorization: string | null,
  secrets: readonly string[],
): ResolvedConfig {
  return withHidden<ResolvedConfig>(
    "ResolvedConfig",
    { baseUrl },
    { authorization, secrets: Object.freeze([...secrets]) },
    {
      baseUrl,
      // The scheme says which kind of auth; the rest is the credential.
      authorization: authorization?.replace(/ .*$/s, " ***") ?? null,
      secrets: secrets.map(() => "***"),
    },
  );
}

/**
 * The HTTP settings of the MLflow variables, under explicit options: `MLFLOW_HTTP_REQUEST_TIMEOUT`
 * (seconds), `MLFLOW_HTTP_REQUEST_MAX_RETRIES` and `MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR` (seconds,
 * the first back-off). A value that is no whole number is an MlflowConfigError naming it.
 */
export function httpSettings(
  options: MlflowClientOptions,
): Pick<HttpOptions, "timeoutMs" | "retry" | "tls" | "proxy"> {
  const env = options.env ?? process.env;
  const read = (name: string, least: number): number | undefined => {
    const value = env[name]?.trim();
    if (value === undefined || value === "") return undefined;
    if (!/^\d+$/.test(value) || Number(value) < least) {
      throw new MlflowConfigError(
        `${name} must be a whole number${least > 0 ? `, ${least} or more` : ""} (got ${JSON.stringify(value.slice(0, 20))})`,
      );
    }
    return Number(value);
  };
  const timeout = read("MLFLOW_HTTP_REQUEST_TIMEOUT", 1);
  const retries = read("MLFLOW_HTTP_REQUEST_MAX_RETRIES", 0);
  const backoff = read("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", 0);
  const retry = options.retry;
  if (options.tls && options.fetch) {
    throw new MlflowConfigError(
      "give tls or a fetch of your own, not both: a fetch of your own makes its own connections (give it the TLS settings)",
    );
  }
  // A fetch of your own makes its own connections: the TLS variables are then its to read.
  const tls = options.tls ?? (options.fetch ? undefined : tlsSettings(env));
  // So are the proxy variables.
  let proxy = options.proxy;
  if (proxy === undefined && !options.fetch) {
    try {
      proxy = proxyFromEnv(env);
    } catch (e) {
      throw new MlflowConfigError((e as Error).message);
    }
  }
  return {
    ...(tls ? { tls } : {}),
    ...(proxy !== undefined ? { proxy } : {}),
    timeoutMs: options.timeoutMs ?? (timeout !== undefined ? timeout * 1000 : undefined),
    retry:
      retry === false
        ? false
        : {
            retries: retry?.retries ?? retries,
            baseDelayMs: retry?.baseDelayMs ?? (backoff !== undefined ? backoff * 1000 : undefined),
            maxDelayMs: retry?.maxDelayMs,
          },
  };
}

/**
 * MLFLOW_TRUNCATE_LONG_VALUES as the Python client reads it (a boolean variable: true, false, 1
 * or 0, any case; unset is true): whether `logBatch` cuts long param and tag values or refuses
 * them. Any other value is an MlflowConfigError, where Python raises a ValueError: `no` or `off`
 * must not quietly mean "truncate".
 */
export function truncateLongValuesFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const text = env.MLFLOW_TRUNCATE_LONG_VALUES?.trim() ?? "";
  if (text !== "" && !/^(true|false|1|0)$/i.test(text)) {
    throw new MlflowConfigError(
      `MLFLOW_TRUNCATE_LONG_VALUES must be true, false, 1 or 0 (got ${JSON.stringify(text.slice(0, 20))})`,
    );
  }
  return !/^(false|0)$/i.test(text);
}

/**
 * The TLS variables, read as the Python client reads them: MLFLOW_TRACKING_INSECURE_TLS (true,
 * false, 1 or 0) turns certificate checks off; MLFLOW_TRACKING_SERVER_CERT_PATH is a PEM file of
 * the CAs to trust instead of the default ones (requests' `verify`); MLFLOW_TRACKING_CLIENT_CERT_PATH
 * is a PEM file with the client certificate and its key (requests' `cert`). Undefined when none
 * is set. A file that cannot be read is an MlflowConfigError naming the variable.
 */
function tlsSettings(env: Readonly<Record<string, string | undefined>>): TlsOptions | undefined {
  const insecureText = env.MLFLOW_TRACKING_INSECURE_TLS?.trim() ?? "";
  if (insecureText !== "" && !/^(true|false|1|0)$/i.test(insecureText)) {
    throw new MlflowConfigError(
      `MLFLOW_TRACKING_INSECURE_TLS must be true, false, 1 or 0 (got ${JSON.stringify(insecureText.slice(0, 20))})`,
    );
  }
  const insecure = /^(true|1)$/i.test(insecureText);
  const read = (name: string): Buffer | undefined => {
    const path = env[name];
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === "ENOENT"
          ? "no such file"
          : code === "EISDIR"
            ? "a folder, not a PEM file (give the bundle file)"
            : code === "EACCES"
              ? "not readable (permission denied)"
              : (code ?? "unreadable");
      throw new MlflowConfigError(`${name} names ${JSON.stringify(path)}: ${why}`);
    }
  };
  const ca = read("MLFLOW_TRACKING_SERVER_CERT_PATH");
  const cert = read("MLFLOW_TRACKING_CLIENT_CERT_PATH");
  if (insecure && ca) {
    // As the Python client, which refuses the same pair.
    throw new MlflowConfigError(
      "MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH are both set: trust the CA in the file, or turn certificate checks off, not both",
    );
  }
  if (!insecure && !ca && !cert) return undefined;
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(insecure ? { rejectUnauthorized: false } : {}),
  };
}

const basic = (user: string, password: string) => {
  // The server reads the user name up to the first ':' (RFC 7617): such a name always gets 401.
  if (user.includes(":")) {
    throw new MlflowConfigError(
      "the MLflow user name holds a ':', which basic auth cannot carry (the server takes the user name up to the first ':' and the rest as the password); use a user name without one",
    );
  }
  return `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
};

/**
 * The user name and password of `~/.mlflow/credentials` (its `[mlflow]` section's
 * `mlflow_tracking_username` and `mlflow_tracking_password`), as the Python client reads the file
 * (mlflow/utils/credentials.py, configparser): each fills in what its variable leaves unset
 * (`set`), and the pair is returned only when both are then known. `~` is the env's HOME (or
 * USERPROFILE): an `env` without either reads no file. A file that cannot be read counts as
 * none, as configparser skips it; a `%` other than `%%` is an MlflowConfigError, where Python's
 * configparser raises.
 */
function credentialsFile(
  env: Readonly<Record<string, string | undefined>>,
  setUser: string | undefined,
  setPassword: string | undefined,
): { username: string; password: string } | null {
  const home = env.HOME || env.USERPROFILE;
  if (!home) return null;
  const path = `${home.replace(/[\\/]+$/, "")}/.mlflow/credentials`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  const values: Record<string, string> = {};
  let section: string | null = null;
  let key: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(line)) continue;
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) {
      section = header[1] ?? null;
      key = null;
    } else if (/^\s/.test(line)) {
      // configparser's continuation line: part of the value above.
      if (section === "mlflow" && key !== null) values[key] = `${values[key]}\n${line.trim()}`;
    } else if (section === "mlflow") {
      const at = line.search(/[=:]/);
      if (at < 0) continue;
      key = line.slice(0, at).trim().toLowerCase();
      values[key] = line.slice(at + 1).trim();
    }
  }
  const read = (name: string): string | undefined => {
    const value = values[name];
    if (value === undefined) return undefined;
    if (value.replaceAll("%%", "").includes("%")) {
      // Never the value: it may be the password.
      throw new MlflowConfigError(
        `${name} in ${path} holds a '%' other than '%%' (the file is read as configparser reads it, with interpolation): write % as %%`,
      );
    }
    return value.replaceAll("%%", "%");
  };
  const username = setUser || read("mlflow_tracking_username");
  const password = setPassword || read("mlflow_tracking_password");
  return username && password ? { username, password } : null;
}

/**
 * Options first, then the same MLFLOW_* variables the Python client reads. The answer prints
 * its credentials as `***` (console.log, util.inspect, JSON.stringify).
 */
export function resolveConfig(options: MlflowClientOptions): ResolvedConfig {
  const env = options.env ?? process.env;
  const uri = options.trackingUri ?? env.MLFLOW_TRACKING_URI;
  if (!uri) {
    throw new MlflowConfigError(
      "no MLflow tracking URI: pass trackingUri or set MLFLOW_TRACKING_URI (e.g. http://127.0.0.1:5000)",
    );
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    // The Python client's other settings: `databricks` (a workspace from ~/.databrickscfg) and a
    // folder (a file store it writes itself). Never echo the URI: it may hold a password.
    throw new MlflowConfigError(
      /^databricks$/i.test(uri.trim())
        ? "the MLflow tracking URI 'databricks' is the Python client's shortcut to a workspace in ~/.databrickscfg; this client talks to a server over http(s): give the server root (a workspace's https://<host>, with its token in MLFLOW_TRACKING_TOKEN)"
        : /^(?:\.{0,2}\/|~|[A-Za-z]:[\\/])|^[\w.-]+$/.test(uri.trim())
          ? "the MLflow tracking URI is a folder to the Python client, a file store it reads and writes itself (a server's host name needs http://); start a server on the folder (mlflow server --backend-store-uri <folder>) and give its root, e.g. http://127.0.0.1:5000"
          : "the MLflow tracking URI is not a URL; give the server root, e.g. http://127.0.0.1:5000",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    // Never echo the URI: it may hold a password.
    // `user:password@host` and `host:5000` parse as a scheme: echo only a real one.
    throw new MlflowConfigError(
      /^[a-z][a-z0-9+.-]*:\/\//i.test(uri)
        ? `the MLflow tracking URI must be http(s), not ${url.protocol} (file stores and databricks:// are the Python client's)`
        : "the MLflow tracking URI must start with http:// or https://, e.g. http://localhost:5000",
    );
  }
  let authorization: string | null = null;
  const secrets: string[] = [];
  const auth = options.auth;
  if (auth && "token" in auth) {
    authorization = `Bearer ${auth.token}`;
    secrets.push(auth.token);
  } else if (auth) {
    authorization = basic(auth.username, auth.password);
    secrets.push(auth.password);
  } else if (url.username || url.password) {
    let user: string;
    let password: string;
    try {
      user = decodeURIComponent(url.username);
      password = decodeURIComponent(url.password);
    } catch {
      // Never echo the URI: it holds a password.
      throw new MlflowConfigError(
        "the user name or password in the MLflow tracking URI holds a % that starts no escape (%XX); write % as %25",
      );
    }
    authorization = basic(user, password);
    secrets.push(password, url.password);
  } else {
    // As the Python client: a user name and a password, each from its variable or else from
    // ~/.mlflow/credentials, both set, win over a token.
    const user = env.MLFLOW_TRACKING_USERNAME;
    const password = env.MLFLOW_TRACKING_PASSWORD;
    const pair =
      user && password ? { username: user, password } : credentialsFile(env, user, password);
    if (pair) {
      authorization = basic(pair.username, pair.password);
      secrets.push(pair.password);
    } else if (env.MLFLOW_TRACKING_TOKEN) {
      authorization = `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
      secrets.push(env.MLFLOW_TRACKING_TOKEN);
    }
  }
  if (authorization !== null) secrets.push(authorization, authorization.replace(/^\S+ /, ""));
  for (const value of Object.values(options.headers ?? {})) secrets.push(value);
  if (authorization !== null && unsendableHeader(authorization)) {
    throw new MlflowConfigError(
      "the MLflow token or password holds a line break, a control character or a character beyond Latin-1, which no HTTP header can carry; check how it was set (a trailing newline from a file?)",
    );
  }
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return resolved(
    url.toString().replace(/\/+$/, ""),
    authorization,
    // Longest first, so a header value goes whole before the token inside it; short values
    // (a header `1`) would blank out unrelated text.
    [...new Set(secrets)].filter((x) => x.length >= 4).sort((a, b) => b.length - a.length),
  );
}
