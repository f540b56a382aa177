/** KFP's naming rules (kfp/dsl/utils.py `maybe_rename_for_k8s`), and unique keys. */

/** Lowercase; runs outside `[-0-9a-z]` become `-`; `-` runs collapse; no `-` at either end. */
export function k8sName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^-0-9a-z]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

/** Hands out keys unique across the whole pipeline, as kfp does: `add`, `add-2`, `add-3`. */
export class Namer {
  readonly #used = new Set<string>();

  claim(wanted: string): string {
    const base = k8sName(wanted) || "task";
    let key = base;
    for (let n = 2; this.#used.has(key); n++) key = `${base}-${n}`;
    this.#used.add(key);
    return key;
  }
}
