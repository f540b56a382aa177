// HTTP proxies, as Python's clients find them: MLflow's and Airflow's Python clients (requests)
// send through the proxy that HTTPS_PROXY / HTTP_PROXY name, except to the hosts NO_PROXY
// lists, so a service written with these clients must reach the same servers the same way.

/** HttpOptions.proxy: the proxies to send through, per scheme of the server. */
export interface ProxySettings {
  /** The proxy for http:// servers (requests in absolute form, as Python's requests sends). */
  readonly http?: string | undefined;
  /** The proxy for https:// servers (a CONNECT tunnel, TLS to the server inside it). */
  readonly https?: string | undefined;
  /**
   * Servers reached directly, as NO_PROXY lists them: comma-separated host names (a name also
   * matches its subdomains; a leading `.` is the same), `host:port`, IPv4 addresses and CIDR
   * ranges (`10.0.0.0/8`), or `*` for all — read as Python's requests reads them.
   */
  readonly noProxy?: string | undefined;
}

/** Where ProxySettings came from, for messages: the variable's name, or `proxy`. */
export interface ResolvedProxy {
  /** The proxy's URL, as given (it may hold a user and password: never shown). */
  readonly url: URL;
  /** The URL without credentials, for messages. */
  readonly shown: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Settings proxyFromEnv made: not applied while the global fetch is replaced (a test's msw). */
const fromEnvironment = new WeakSet<ProxySettings>();
export const isEnvProxy = (settings: ProxySettings): boolean => fromEnvironment.has(settings);

/**
 * An environment variable as Python reads proxy variables: the lowercase name first
 * (`https_proxy`), then the uppercase one. For a proxy, a lowercase variable set empty unsets
 * it, uppercase or not (urllib's getproxies_environment); for no_proxy, an empty one is passed
 * over (requests' `os.environ.get(key) or os.environ.get(key.upper())`).
 */
function variable(
  env: Env,
  name: string,
  emptyUnsets: boolean,
): { name: string; value: string } | undefined {
  for (const n of [name, name.toUpperCase()]) {
    const value = env[n]?.trim();
    if (value) return { name: n, value };
    if (emptyUnsets && n === name && env[n] !== undefined) return undefined;
  }
  return undefined;
}

/** A proxy URL as requests takes it: `proxy:3128` is `http://proxy:3128`. */
export function parseProxyUrl(value: string, where: string): ResolvedProxy {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new TypeError(
      `${where} is not a proxy URL (${redactText(value)}): give one like http://proxy.example.com:3128`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `${where} names a ${url.protocol.slice(0, -1)} proxy (${shownProxy(url)}); only http:// and https:// proxies are supported`,
    );
  }
  return { url, shown: shownProxy(url) };
}

/** The proxy's address without its user and password. */
function shownProxy(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/** A value that did not parse as a URL, with anything before an `@` left out. */
function redactText(value: string): string {
  const at = value.lastIndexOf("@");
  if (at < 0) return value;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0] ?? "";
  return `${scheme}…@${value.slice(at + 1)}`;
}

/**
 * The proxies the environment sets, read as Python's requests reads them: `https_proxy` /
 * `HTTPS_PROXY` for https:// servers, `http_proxy` / `HTTP_PROXY` for http:// ones, `all_proxy`
 * / `ALL_PROXY` for either when its own is unset, `no_proxy` / `NO_PROXY` for the exceptions
 * (lowercase names first). Undefined when no proxy is set. A value that is no http(s) proxy URL
 * is a TypeError naming the variable (never its credentials).
 */
export function proxyFromEnv(env: Env): ProxySettings | undefined {
  const all = variable(env, "all_proxy", true);
  const https = variable(env, "https_proxy", true) ?? all;
  const http = variable(env, "http_proxy", true) ?? all;
  if (!https && !http) return undefined;
  // Checked now, with the variable's name, rather than at the first request.
  if (https) parseProxyUrl(https.value, https.name);
  if (http) parseProxyUrl(http.value, http.name);
  const noProxy = variable(env, "no_proxy", false);
  const settings: ProxySettings = {
    ...(https ? { https: https.value } : {}),
    ...(http ? { http: http.value } : {}),
    ...(noProxy ? { noProxy: noProxy.value } : {}),
  };
  fromEnvironment.add(settings);
  return settings;
}

function ipv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

/**
 * Whether `url` is reached directly under `noProxy`, as requests decides it: its own check
 * (requests.utils.should_bypass_proxies: for an IPv4 host, an entry that is its address or a
 * CIDR range holding it; for a name, an entry, leading dots dropped, that is the host, the
 * host:port, or a domain they are in), then urllib's (proxy_bypass_environment: the whole value
 * `*`, or an entry, trimmed, lowercased and leading dots dropped, that is the host name or a
 * domain it is in; no ports).
 */
export function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const address = ipv4(host);
  const entries = noProxy
    .replace(/ /g, "")
    .split(",")
    .filter((e) => e !== "");
  if (address !== null) {
    for (const entry of entries) {
      const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(entry);
      if (cidr) {
        const base = ipv4(cidr[1] as string);
        const bits = Number(cidr[2]);
        if (base === null || bits > 32) continue;
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        if ((address & mask) >>> 0 === (base & mask) >>> 0) return true;
      } else if (entry === host) return true;
    }
  } else {
    const withPort = url.port ? `${host}:${url.port}` : host;
    for (const entry of entries) {
      const name = entry.replace(/^\.+/, "");
      if (host === name || withPort === name) return true;
      if (host.endsWith(`.${name}`) || withPort.endsWith(`.${name}`)) return true;
    }
  }
  if (noProxy === "*") return true;
  for (const entry of noProxy.split(",")) {
    const name = entry.trim().replace(/^\.+/, "").toLowerCase();
    if (name !== "" && (host === name || host.endsWith(`.${name}`))) return true;
  }
  return false;
}

/** The proxy a request to `url` goes through under `settings`, or null for a direct one. */
export function proxyFor(url: URL, settings: ProxySettings): ResolvedProxy | null {
  const value = url.protocol === "https:" ? settings.https : settings.http;
  if (!value || bypassesProxy(url, settings.noProxy)) return null;
  return parseProxyUrl(value, url.protocol === "https:" ? "the https proxy" : "the http proxy");
}
