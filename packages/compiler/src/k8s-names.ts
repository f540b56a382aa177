/**
 * Kubernetes' rules for the names a pod spec refers to, as the API server validates them: what
 * breaks one of them compiles into a spec whose pod is refused when the run reaches that task.
 * Each function returns why a name is wrong, or null.
 */

/** The first character a name may not hold, or where it starts or ends wrong. */
function charProblem(name: string, allowed: RegExp, edges: RegExp): string | null {
  const bad = [...name].find((c) => !allowed.test(c));
  if (bad !== undefined) {
    if (/[A-Z]/.test(bad)) return `it has the capital letter '${bad}'`;
    if (bad === " ") return "it has a space";
    return /^[\x21-\x7e]$/.test(bad)
      ? `it has '${bad}'`
      : `it has the character U+${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  }
  if (!edges.test(name[0] ?? "")) return `it starts with '${name[0]}'`;
  if (!edges.test(name.at(-1) ?? "")) return `it ends with '${name.at(-1)}'`;
  return null;
}

/**
 * A DNS-1123 subdomain (secrets, PersistentVolumeClaims): at most 253 lowercase letters,
 * digits, '-' and '.', starting and ending with a letter or digit.
 */
export function subdomainProblem(name: string): string | null {
  if (name === "") return "it is empty";
  if (name.length > 253) return `it is ${name.length} characters long, and at most 253 are allowed`;
  return charProblem(name, /[-a-z0-9.]/, /[a-z0-9]/);
}
export const SUBDOMAIN_RULE =
  "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";

/** Why a pod would be refused over a secret's name (a subdomain), with the fix, or null. */
export function secretNameProblem(name: string): { reason: string; hint: string } | null {
  const wrong = subdomainProblem(name);
  if (wrong === null) return null;
  return {
    reason: `'${name}' is no Kubernetes secret name: ${wrong}, so the pod is refused`,
    hint: `give the name of the secret as kubectl get secrets lists it (${SUBDOMAIN_RULE})`,
  };
}

/** A DNS-1123 label (a pod's volumes): at most 63 lowercase letters, digits and '-'. */
export function labelProblem(name: string): string | null {
  if (name === "") return "it is empty";
  if (name.length > 63) return `it is ${name.length} characters long, and at most 63 are allowed`;
  return charProblem(name, /[-a-z0-9]/, /[a-z0-9]/);
}
export const LABEL_RULE =
  "at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit";

/**
 * An extended resource's name (`nvidia.com/gpu`, `amd.com/gpu`, `google.com/tpu`): a qualified
 * name with a domain prefix, as device plugins register them.
 */
export function extendedResourceProblem(name: string): string | null {
  const slash = name.indexOf("/");
  if (slash < 0) return "it has no domain prefix (a device plugin's resource is domain/name)";
  const prefix = name.slice(0, slash);
  const local = name.slice(slash + 1);
  const wrongPrefix = subdomainProblem(prefix);
  if (wrongPrefix !== null) return `its prefix '${prefix}' is no domain: ${wrongPrefix}`;
  if (prefix === "kubernetes.io" || prefix.endsWith(".kubernetes.io")) {
    return `'${prefix}' is Kubernetes' own prefix, which no extended resource may have`;
  }
  if (!/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(local)) {
    return `'${local}' is no resource name (at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`;
  }
  return null;
}

/** An environment variable name Python's os.environ and a shell both read: a C identifier. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A mount path as a pod's containers compare them: without a trailing '/' or '.' parts. */
export function mountPathKey(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/**
 * A label's key, or a taint's (`cloud.google.com/gke-accelerator`, `gpu`): an optional
 * DNS-subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and
 * ending with a letter or digit.
 */
export function qualifiedNameProblem(name: string): string | null {
  if (name === "") return "it is empty";
  const slash = name.lastIndexOf("/");
  if (slash >= 0) {
    const prefix = name.slice(0, slash);
    const wrongPrefix = subdomainProblem(prefix);
    if (wrongPrefix !== null) return `its prefix '${prefix}' is no domain: ${wrongPrefix}`;
  }
  return (
    labelValueProblem(name.slice(slash + 1)) ??
    (slash === name.length - 1 ? "it is empty after '/'" : null)
  );
}

/** A label's value, or a taint's: empty, or at most 63 letters, digits, '-', '_' and '.'. */
export function labelValueProblem(value: string): string | null {
  if (value === "") return null;
  if (value.length > 63) {
    return `it is ${value.length} characters long, and at most 63 are allowed`;
  }
  return charProblem(value, /[-A-Za-z0-9_.]/, /[A-Za-z0-9]/);
}
