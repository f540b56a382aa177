/** Node's `util.inspect.custom`, by its registered name: no `node:util` import for it. */
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * `visible`, with `hidden` added where printing does not reach, as a client keeps credentials in
 * a closure: properties that are not enumerable (JSON.stringify and a spread leave them out),
 * and a printed form, `printed` (console.log, util.inspect with showHidden too, JSON.stringify),
 * in which the caller has put `***` for each secret. Frozen.
 */
export function withHidden<T extends object>(
  name: string,
  visible: object,
  hidden: Readonly<Record<string, unknown>>,
  printed: object,
): T {
  const properties: PropertyDescriptorMap = {
    toJSON: { value: () => printed },
    [INSPECT]: {
      value: (_depth: number, options: object, inspect: (v: unknown, o: object) => string) =>
        `${name} ${inspect(printed, options)}`,
    },
  };
  for (const [key, value] of Object.entries(hidden)) properties[key] = { value };
  return Object.freeze(Object.defineProperties({ ...visible }, properties)) as T;
}
