export * from "./canonical.js";
export * from "./diagnostics.js";
export * from "./diagnostics-doc.js";
export * from "./graph.js";
export * from "./ir.js";
export * from "./names.js";
export * from "./source-map.js";
export * from "./stack.js";
