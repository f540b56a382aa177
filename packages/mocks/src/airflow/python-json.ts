/**
 * Where and why Python's `json.loads` (CPython 3.11's scanner, which Starlette's
 * `request.json()` uses) refuses a text: FastAPI answers such a body with 422
 * `json_invalid`, `loc: ["body", pos]` and `ctx.error` the message without its position.
 * Mirrors json/decoder.py and Modules/_json.c step by step, positions included.
 */

export interface PythonJsonError {
  readonly msg: string;
  readonly pos: number;
}

class Refused extends Error {
  constructor(
    readonly msg: string,
    readonly pos: number,
  ) {
    super(msg);
  }
}

const WS = new Set([" ", "\t", "\n", "\r"]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);

/** Python's error for `text`, or null when Python reads it (NaN and Infinity included). */
export function pythonJsonError(text: string): PythonJsonError | null {
  const skip = (i: number) => {
    let j = i;
    while (j < text.length && WS.has(text[j] as string)) j++;
    return j;
  };

  /** scanstring: `end` is just past the opening quote; returns the index past the closing one. */
  const string = (end: number): number => {
    const begin = end - 1;
    let i = end;
    for (;;) {
      if (i >= text.length) throw new Refused("Unterminated string starting at", begin);
      const c = text[i] as string;
      if (c === '"') return i + 1;
      if (c === "\\") {
        i++;
        if (i >= text.length) throw new Refused("Unterminated string starting at", begin);
        const esc = text[i] as string;
        if (esc === "u") {
          // _json.c wants room for the four digits and one character more (the closing quote).
          if (i + 5 >= text.length || !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
            throw new Refused("Invalid \\uXXXX escape", i);
          }
          i += 5;
        } else if (ESCAPES.has(esc)) i++;
        else throw new Refused("Invalid \\escape", i - 1);
        continue;
      }
      if (c.charCodeAt(0) < 0x20) throw new Refused("Invalid control character at", i);
      i++;
    }
  };

  /** scan_once: a value at `i`; returns the index past it, or throws "Expecting value". */
  const value = (i: number): number => {
    const c = text[i];
    if (c === undefined) throw new Refused("Expecting value", i);
    if (c === '"') return string(i + 1);
    if (c === "{") return object(i + 1);
    if (c === "[") return array(i + 1);
    for (const word of ["null", "true", "false", "NaN", "Infinity", "-Infinity"]) {
      if (text.startsWith(word, i)) return i + word.length;
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) return NUMBER.lastIndex;
    throw new Refused("Expecting value", i);
  };

  const object = (start: number): number => {
    let end = skip(start);
    if (text[end] === "}") return end + 1;
    if (text[end] !== '"') {
      throw new Refused("Expecting property name enclosed in double quotes", end);
    }
    for (;;) {
      end = skip(string(end + 1));
      if (text[end] !== ":") throw new Refused("Expecting ':' delimiter", end);
      end = skip(value(skip(end + 1)));
      const next = text[end];
      if (next === "}") return end + 1;
      if (next !== ",") throw new Refused("Expecting ',' delimiter", end);
      end = skip(end + 1);
      if (text[end] !== '"') {
        throw new Refused("Expecting property name enclosed in double quotes", end);
      }
    }
  };

  const array = (start: number): number => {
    let end = skip(start);
    if (text[end] === "]") return end + 1;
    for (;;) {
      end = skip(value(end));
      const next = text[end];
      if (next === "]") return end + 1;
      if (next !== ",") throw new Refused("Expecting ',' delimiter", end);
      end = skip(end + 1);
    }
  };

  try {
    const end = skip(value(skip(0)));
    if (end !== text.length) return { msg: "Extra data", pos: end };
    return null;
  } catch (e) {
    if (e instanceof Refused) return { msg: e.msg, pos: e.pos };
    throw e;
  }
}
