/**
 * Runs `fn` with V8's own stack formatting. Test runners install an `Error.prepareStackTrace`
 * that bypasses Node's source-map support; with it removed, frames of TypeScript modules
 * loaded by the CLI point at their .ts lines. Stacks are formatted on first read of `.stack`.
 */
export function withNativeStackTrace<T>(fn: () => T): T {
  const saved = Object.getOwnPropertyDescriptor(Error, "prepareStackTrace");
  Reflect.deleteProperty(Error, "prepareStackTrace");
  try {
    return fn();
  } finally {
    if (saved) Object.defineProperty(Error, "prepareStackTrace", saved);
  }
}
