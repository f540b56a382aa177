/**
 * python/signature.ts: a def's parameters as inspect.Parameter kinds, and Python's
 * Signature.bind verdict on a call (what the @task decorator checks when the DAG is built).
 */
import { parser } from "@lezer/python";
import { describe, expect, it } from "vitest";
import { type PyNode, pyTree } from "../src/python/node.js";
import { bindProblem, type Parameter, parameters } from "../src/python/signature.js";

function def(source: string): { source: string; node: PyNode } {
  const root = pyTree(parser.parse(source));
  const node = root.firstChild as PyNode;
  expect(node.name).toBe("FunctionDefinition");
  return { source, node };
}

const params = (header: string): Parameter[] | null => {
  const d = def(`${header}\n    pass\n`);
  return parameters(d.source, d.node);
};

const kinds = (header: string) =>
  params(header)?.map(
    (p) => `${p.kind === "positional" ? "" : `${p.kind} `}${p.name}${p.hasDefault ? "=" : ""}`,
  );

describe("parameters", () => {
  it("reads names, kinds and defaults as inspect does", () => {
    expect(kinds("def f(a, b: int = 3, *args, c, d=(1, 2), **kw):")).toEqual([
      "a",
      "b=",
      "var-positional args",
      "keyword c",
      "keyword d=",
      "var-keyword kw",
    ]);
    expect(kinds("def f(a, *, scale=2,):")).toEqual(["a", "keyword scale="]);
    expect(kinds("def f():")).toEqual([]);
  });

  it("does not follow positional-only parameters", () => {
    expect(params("def f(a, /, b):")).toBeNull();
    expect(params("def f(a, b='x/y'):")).not.toBeNull();
  });
});

describe("bindProblem", () => {
  const bind = (
    header: string,
    positional: number,
    keywords: string[],
    partial = false,
    optional: string[] = [],
  ) =>
    bindProblem(params(header) as Parameter[], positional, new Set(keywords), {
      partial,
      optional: (n) => optional.includes(n),
    })?.message ?? null;

  it("says what Python says, in its order", () => {
    expect(bind("def f(a):", 2, [])).toBe("too many positional arguments");
    expect(bind("def f(a):", 1, ["a"])).toBe("multiple values for argument 'a'");
    expect(bind("def f(a, b=1):", 0, ["c"])).toBe("missing a required argument: 'a'");
    expect(bind("def f(a, b=1):", 1, ["c"])).toBe("got an unexpected keyword argument 'c'");
    expect(bind("def f(*, a):", 0, [])).toBe("missing a required argument: 'a'");
  });

  it("takes what Python takes", () => {
    expect(bind("def f(a, b=1):", 1, ["b"])).toBeNull();
    expect(bind("def f(*parts, sep='-'):", 3, ["sep"])).toBeNull();
    expect(bind("def f(a, **kw):", 0, ["a", "z"])).toBeNull();
    // Context keys: the decorator gives them a default.
    expect(bind("def f(x, ti, ds):", 1, [], false, ["ti", "ds"])).toBeNull();
    // A mapped call is bound partially: missing arguments come when it runs.
    expect(bind("def f(x, lr):", 0, ["lr"], true)).toBeNull();
    expect(bind("def f(x):", 0, ["y"], true)).toBe("got an unexpected keyword argument 'y'");
  });

  it("names the missing parameter and the keywords it has no parameter for", () => {
    const d = def("def train(data_path, epochs=1):\n    pass\n");
    const p = parameters(d.source, d.node) as Parameter[];
    expect(
      bindProblem(p, 0, new Set(["path", "epoch"]), { partial: false, optional: () => false }),
    ).toEqual({
      message: "missing a required argument: 'data_path'",
      missing: "data_path",
      unexpected: ["path", "epoch"],
    });
  });
});
