/**
 * Property tests for the Kubeflow target's escaping, end to end: arbitrary user strings go
 * through the DSL, lowerPipeline and renderPipelineSpec into a PipelineSpec YAML file, and a
 * Python oracle in .venv-kfp (PyYAML, cel-python, ast, sh, kfp 2.17.3) reads every one back
 * where it must be:
 *
 *  1. `yaml.safe_load_all` (what kfp's loader calls) gives back each string exactly at its place
 *     (description, params, runtimeValue constants, bash and container commands, args and env,
 *     variables, the literal loop list's JSON, the shipped modules);
 *  2. every `triggerPolicy.condition` is valid CEL (celpy) and, with its channel bound to the
 *     branch's right-hand string, holds on the side that should run and not on the other;
 *     bound to any other string, the other way round;
 *  3. every generated Python component parses (`ast.parse` of its UTF-8 bytes, so a PEP 263
 *     cookie counts), its two header comments are two whole comment lines that read back as the
 *     source path, and its string constants include every value inlined into it;
 *  4. the YAML header is exactly the expected number of `#` lines;
 *  5. the launcher shell script, run with `sh` and a stub `python3`, writes the component and
 *     every shipped module at its path with its exact content. A task's module path must be
 *     identifiers (checkModules, MLG1011), but `mlgen compile` ships every .py file under the
 *     module's top folder under its own name, so file and folder names are fuzzed here;
 *  6. a sample of the files loads with `kfp.components.load_component_from_text`.
 *
 * Cases are generated with fast-check, checked in ONE Python process per property, then replayed
 * through `fc.assert` with the same seed, looking the verdicts up (values not in the batch, as
 * when shrinking, are checked one by one). Strings go to Python as JSON, so lone surrogates
 * survive; the YAML text goes as the file holds it (UTF-8, lone surrogates as U+FFFD).

 *
 * Reproduce: the seed is fixed; override it with MLGEN_FC_SEED=<n>.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  kubeflowTarget,
  lowerPipeline,
  renderPipelineSpec,
} from "../../packages/compiler/src/index.js";
import {
  env,
  type Input,
  pipeline,
  slack,
  type TextValue,
  template,
  variable,
} from "../../packages/dsl/src/index.js";
import { ensureKfp, KFP_PYTHON } from "../support/kfp.js";

// Hundreds of pipelines through PyYAML, celpy, ast and sh, and kfp's slow import: a minute or
// two on a busy 2-core machine.
vi.setConfig({ testTimeout: 180_000 });

const SEED = Number(process.env.MLGEN_FC_SEED ?? 20_250_601);

/**
 * A shell task's literal env value as the file holds it: Kubernetes reads `$$` as `$` and
 * `$(NAME)` as a reference in a container's env, so every `$` is doubled and the pod gets the
 * value as written (kubeflow/executors.ts); the Kubernetes side is proven in
 * packages/compiler/test/kubeflow-target.test.ts.
 */
const podEnv = (value: string) => value.replaceAll("$", () => "$$");

// ---------------------------------------------------------------------------------------------
// The Python side
// ---------------------------------------------------------------------------------------------

const ORACLE = String.raw`
import ast, io, json, os, subprocess, sys, tempfile, tokenize

import yaml

MISSING = object()
CEL = None
WORK = sys.argv[3]
STUB_DIR = os.path.join(WORK, "stub")


def eq(a, b):
    """Equal and of the same type, all the way down (True != 1, 1 != 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return set(a) == set(b) and all(eq(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b))
    return a == b


def at(doc, path):
    cur = doc
    for k in path:
        if isinstance(cur, dict) and isinstance(k, str) and k in cur:
            cur = cur[k]
        elif isinstance(cur, list) and isinstance(k, int) and 0 <= k < len(cur):
            cur = cur[k]
        else:
            return MISSING
    return cur


def where(path):
    return ".".join(ascii(k) if isinstance(k, str) else "[" + str(k) + "]" for k in path)


def dicts(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from dicts(v)
    elif isinstance(node, list):
        for v in node:
            yield from dicts(v)


def comment_value(body):
    # pyComment is a pyString body with the quote escapes dropped: put them back and read it.
    return ast.literal_eval('"' + body.replace('"', '\\"') + '"')


def make_stub():
    """A python3 for the launcher: keeps what it was handed instead of running kfp."""
    os.makedirs(STUB_DIR, exist_ok=True)
    path = os.path.join(STUB_DIR, "python3")
    with open(path, "w") as f:
        f.write("""#!/bin/sh
mkdir -p "$MLGEN_STUB_OUT"
printf '%s\\0' "$@" > "$MLGEN_STUB_OUT/args"
printf '%s' "$_KFP_RUNTIME" > "$MLGEN_STUB_OUT/runtime"
cp -R "$(dirname "$4")" "$MLGEN_STUB_OUT/program"
""")
    os.chmod(path, 0o755)


def read_tree(root):
    files = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            with open(p, encoding="utf-8", newline="") as fh:
                files[os.path.relpath(p, root)] = fh.read()
    return files


def check_header(text, n, errors):
    # splitlines() breaks on every line break Python knows (\x85, \u2028, \v, ...): stricter
    # than YAML. The first n lines are the comments, and the next one is not a comment.
    lines = text.splitlines()
    head = lines[:n]
    if len(head) != n or any(not l.startswith("#") for l in head) or (len(lines) > n and lines[n].startswith("#")):
        errors.append("the YAML header is not " + str(n) + " comment lines: " + ascii(lines[: n + 2]))


def command_of(spec, executor):
    container = spec["deploymentSpec"]["executors"][executor]["container"]
    command = container["command"]
    i = next(i for i, c in enumerate(command) if isinstance(c, str) and "kfp.dsl.executor_main" in c)
    return container, command, i


def check_python(spec, executor, want, errors):
    what = executor + " component"
    _, command, i = command_of(spec, executor)
    source = command[i + 1]
    data = source.encode("utf-8")  # strict: a lone surrogate cannot be written to a file
    tree = ast.parse(data)  # bytes: a PEP 263 coding cookie is honoured, as on import
    found = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    for s in want["strings"]:
        if s not in found:
            errors.append(what + ": string not found as a constant: " + ascii(s))
    toks = [t for t in tokenize.tokenize(io.BytesIO(data).readline) if t.type not in (tokenize.ENCODING, tokenize.NL)]
    heads = toks[:2]
    if len(heads) != 2 or any(t.type != tokenize.COMMENT or t.start != (r, 0) for t, r in zip(heads, (1, 2))):
        errors.append(what + ": lines 1-2 are not two comment lines: " + ascii([(t.string, t.start) for t in toks[:4]]))
        return
    if len(toks) > 2 and toks[2].start[0] < 3:
        errors.append(what + ": code on a header line")
    line = heads[0].string
    pre, post = want["header_pre"], want["header_post"]
    if not line.startswith(pre) or not line.endswith(post):
        errors.append(what + ": header line 1 reads " + ascii(line))
    else:
        got = comment_value(line[len(pre) : len(line) - len(post)])
        if not eq(got, want["source_file"]):
            errors.append(what + ": the header names the source " + ascii(got))


def holds(op, v, right):
    return v == right if op == "==" else v != right


def check_conditions(spec, want, errors):
    import celpy  # a second's import: only when there is a condition

    global CEL
    if CEL is None:
        CEL = celpy.Environment()
    seen = set()
    for task in dicts(spec):
        cond = task.get("triggerPolicy", {}).get("condition") if isinstance(task.get("triggerPolicy"), dict) else None
        if cond is None:
            continue
        inner = spec["components"][task["componentRef"]["name"]]["dag"]["tasks"]
        side = "yes" if "then" in inner else "no" if "otherwise" in inner else None
        if side is None:
            errors.append("a condition guards neither side: " + ascii(cond))
            continue
        seen.add(side)
        channels = list(task.get("inputs", {}).get("parameters", {}))
        channel = "pipelinechannel--" + want["param"]
        if channels != [channel]:
            errors.append("condition inputs are " + ascii(channels) + ", want " + ascii([channel]))
        try:
            program = CEL.program(CEL.compile(cond))
        except Exception as e:
            errors.append("CEL does not compile: " + ascii(cond) + ": " + type(e).__name__ + " " + ascii(str(e)[:200]))
            continue
        for v in (want["right"], want["other"]):
            should = holds(want["op"], v, want["right"]) == (side == "yes")
            try:
                got = program.evaluate({"inputs": celpy.json_to_cel({"parameter_values": {channel: v}})})
            except Exception as e:
                errors.append("CEL evaluation fails: " + ascii(cond) + ": " + type(e).__name__ + " " + ascii(str(e)[:200]))
                continue
            if not isinstance(got, celpy.celtypes.BoolType) or bool(got) != should:
                errors.append("condition " + ascii(cond) + " with " + ascii(v) + " gives " + ascii(got) + " on the " + side + " side")
    if seen != set(want["sides"]):
        errors.append("conditions found for sides " + ascii(sorted(seen)) + ", want " + ascii(want["sides"]))


def check_launcher(spec, want, errors):
    container, command, i = command_of(spec, want["executor"])
    if command[i - 2 : i] != ["sh", "-ec"]:
        errors.append("the launcher is not run by sh -ec: " + ascii(command[: i + 1]))
        return
    args = container.get("args", [])
    expected = {"ephemeral_component.py": command[i + 1]}
    for path, content in want["modules"]:
        expected["mlgen_project/" + path] = content
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        out = os.path.join(tmp, "out")
        environ = dict(os.environ, PATH=STUB_DIR + os.pathsep + os.environ["PATH"], TMPDIR=tmp, MLGEN_STUB_OUT=out)
        r = subprocess.run(["sh", "-ec", command[i], *command[i + 1 :], *args], env=environ, cwd=tmp, capture_output=True, timeout=60)
        if r.returncode != 0 or not os.path.exists(os.path.join(out, "program")):
            errors.append("the launcher failed (" + str(r.returncode) + "): " + ascii(r.stderr[-500:]))
            return
        files = read_tree(os.path.join(out, "program"))
        with open(os.path.join(out, "args"), encoding="utf-8") as f:
            called = f.read().split("\0")[:-1]
        with open(os.path.join(out, "runtime"), encoding="utf-8") as f:
            runtime = f.read()
    if not eq(files, expected):
        missing = sorted(set(expected) - set(files))
        extra = sorted(set(files) - set(expected))
        wrong = sorted(k for k in set(expected) & set(files) if files[k] != expected[k])
        errors.append("the launcher wrote other files: missing " + ascii(missing) + ", extra " + ascii(extra) + ", different " + ascii(wrong))
    want_args = ["-m", "kfp.dsl.executor_main", "--component_module_path"]
    if called[:3] != want_args or called[4:] != args or runtime != "true":
        errors.append("python3 was called with " + ascii(called))


def check_spec(case, errors):
    text = case["text"]
    if "header_lines" in case:
        check_header(text, case["header_lines"], errors)
    docs = list(yaml.safe_load_all(text))
    if not docs or not isinstance(docs[0], dict):
        errors.append("no PipelineSpec document")
        return
    spec = docs[0]
    for path, want in case["values"]:
        got = at(spec, path)
        if got is MISSING:
            errors.append(where(path) + ": missing")
        elif not eq(got, want):
            errors.append(where(path) + ": got " + ascii(got) + ", want " + ascii(want))
    for path, want in case.get("numbers", []):
        got = at(spec, path)
        if isinstance(got, bool) or not isinstance(got, (int, float)) or float(got) != float(want):
            errors.append(where(path) + ": got " + ascii(got) + " (" + type(got).__name__ + "), want the number " + repr(want))
    for path, want in case.get("envs", []):
        got = at(spec, path)
        pairs = {e.get("name"): e.get("value") for e in got} if isinstance(got, list) else got
        if not eq(pairs, want) or (isinstance(got, list) and len(got) != len(want)):
            errors.append(where(path) + ": env is " + ascii(got) + ", want " + ascii(want))
    if "loop" in case:
        raws = [d["parameterIterator"]["items"]["raw"] for d in dicts(spec) if isinstance(d.get("parameterIterator"), dict)]
        if len(raws) != 1 or not eq(json.loads(raws[0]), case["loop"]):
            errors.append("loop items: " + ascii(raws) + ", want the JSON of " + ascii(case["loop"]))
    for executor, want in case.get("python", {}).items():
        try:
            check_python(spec, executor, want, errors)
        except Exception as e:
            errors.append(executor + " component: " + type(e).__name__ + ": " + ascii(str(e)[:300]))
    if "condition" in case:
        check_conditions(spec, case["condition"], errors)
    if "launcher" in case:
        check_launcher(spec, case["launcher"], errors)


def check_load(case, errors):
    from kfp import components

    comp = components.load_component_from_text(case["text"])
    spec = comp.pipeline_spec
    if spec.pipeline_info.description != case.get("description", ""):
        errors.append("kfp reads the description as " + ascii(spec.pipeline_info.description))
    for name, default in case.get("defaults", {}).items():
        got = spec.root.input_definitions.parameters[name].default_value.string_value
        if got != default:
            errors.append("kfp reads the default of " + ascii(name) + " as " + ascii(got))


CHECKS = {"spec": check_spec, "load": check_load}


def main():
    mode, path = sys.argv[1], sys.argv[2]
    make_stub()
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)
    out = []
    for case in cases:
        errors = []
        try:
            CHECKS[mode](case, errors)
        except Exception as e:
            errors.append(type(e).__name__ + ": " + ascii(str(e)[:500]))
        out.append({"ok": not errors, "why": errors})
    sys.stdout.write(json.dumps(out, ensure_ascii=True))


main()
`;

let dir = "";
let oraclePath = "";
let calls = 0;

beforeAll(() => {
  ensureKfp();
  dir = mkdtempSync(join(tmpdir(), "mlgen-kfp-escape-"));
  oraclePath = join(dir, "oracle.py");
  writeFileSync(oraclePath, ORACLE);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Verdict {
  ok: boolean;
  why: string[];
}

function runOracle(mode: string, cases: readonly unknown[]): Verdict[] {
  if (cases.length === 0) return [];
  const file = join(dir, `${mode}-${calls++}.json`);
  writeFileSync(file, JSON.stringify(cases));
  const out = execFileSync(KFP_PYTHON, [oraclePath, mode, file, dir], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
    env: { ...process.env, PYTHONWARNINGS: "ignore" },
  });
  const verdicts = JSON.parse(out) as Verdict[];
  expect(verdicts).toHaveLength(cases.length);
  return verdicts;
}

/** `toCase` builds what Python checks; throwing means the JS side already failed. */
function evaluate<T>(mode: string, values: readonly T[], toCase: (t: T) => unknown): Verdict[] {
  const verdicts: (Verdict | undefined)[] = [];
  const cases: unknown[] = [];
  const at: number[] = [];
  values.forEach((v, i) => {
    try {
      cases.push(toCase(v));
      at.push(i);
    } catch (e) {
      verdicts[i] = { ok: false, why: [`JS side: ${(e as Error).message}`] };
    }
  });
  runOracle(mode, cases).forEach((verdict, j) => {
    verdicts[at[j] as number] = verdict;
  });
  return verdicts as Verdict[];
}

/**
 * `fc.assert` over `arb`, with the Python checks of the `numRuns` generated values (and the
 * examples) done in one batch up front.
 */
function assertInPython<T>(
  arb: fc.Arbitrary<T>,
  mode: string,
  toCase: (t: T) => unknown,
  options: { numRuns: number; examples?: readonly T[] },
): void {
  const examples = options.examples ?? [];
  const sampled = [...examples, ...fc.sample(arb, { numRuns: options.numRuns, seed: SEED })];
  const key = (t: T) => JSON.stringify(t) ?? "undefined";
  const cache = new Map<string, Verdict>();
  evaluate(mode, sampled, toCase).forEach((v, i) => {
    cache.set(key(sampled[i] as T), v);
  });
  fc.assert(
    fc.property(arb, (t) => {
      const verdict = cache.get(key(t)) ?? (evaluate(mode, [t], toCase)[0] as Verdict);
      if (!verdict.ok) throw new Error(verdict.why.join("\n"));
    }),
    { numRuns: options.numRuns, seed: SEED, examples: examples.map((e) => [e] as [T]) },
  );
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** Pieces that escapers get wrong: quotes, backslashes, line breaks, YAML, CEL, shell, KFP. */
const SPECIALS = [
  '"',
  "'",
  "\\",
  "\n",
  "\r",
  "\r\n",
  "\t",
  "\0",
  "\x0b",
  "\x0c",
  "\x1b",
  "\x7f",
  "\x85",
  "\x9f",
  "\xa0",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\ufffe",
  "\uffff",
  "\u{1f600}",
  "\u{10ffff}",
  "\u0301",
  "\u200b",
  "\u202e",
  "é",
  "中",
  " ",
  "  ",
  "- ",
  "-",
  "? ",
  "?",
  ": ",
  ":",
  "&a ",
  "*a",
  "!",
  "!!str ",
  "%",
  "%YAML 1.2",
  "@",
  "`",
  "#",
  " #",
  "|",
  ">",
  "|-",
  "[",
  "]",
  "{",
  "}",
  ",",
  "---",
  "...",
  "~",
  "null",
  "true",
  "1",
  "0x1",
  "1.5",
  ".inf",
  "yes",
  "on",
  "Off",
  "no",
  "=",
  "<<",
  "1:20",
  "0b1",
  "1_000",
  "2001-12-14",
  "1e3",
  "{{$}}",
  "{{$.inputs.parameters['x']}}",
  "{{ ds }}",
  "{{",
  "}}",
  "\\'",
  "\\n",
  "\\u0041",
  "$",
  "$1",
  "\u0024{x}",
  "$(id)",
  "'\\''",
  "%s",
  "coding: latin-1",
  "\\\n",
];

const printableAscii = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
/** Any UTF-16 code unit: lone surrogates included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const grapheme = fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 });
const anyCodePoint = fc.string({ unit: "binary", minLength: 1, maxLength: 1 });

const unit = fc.oneof(
  { arbitrary: fc.constantFrom(...SPECIALS), weight: 5 },
  { arbitrary: printableAscii, weight: 4 },
  { arbitrary: grapheme, weight: 2 },
  { arbitrary: anyCodePoint, weight: 2 },
  { arbitrary: anyCodeUnit, weight: 1 },
);
const rawText = (maxLength = 16) => fc.string({ unit, maxLength });

/** Arbitrary text: for the broad properties. */
const text = (maxLength = 16) => rawText(maxLength);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether any string (or key) in `v` holds an unpaired surrogate. */
function hasLoneSurrogate(v: unknown): boolean {
  if (typeof v === "string") return LONE_SURROGATE.test(v);
  if (Array.isArray(v)) return v.some(hasLoneSurrogate);
  if (v !== null && typeof v === "object")
    return Object.entries(v).some(([k, x]) => LONE_SURROGATE.test(k) || hasLoneSurrogate(x));
  return false;
}

/** As the file holds it: UTF-8, so a lone surrogate becomes U+FFFD (what `mlgen compile` writes). */
const asWritten = (s: string) => Buffer.from(s, "utf8").toString("utf8");

interface Alphabet {
  /** Any string a user may write. */
  readonly str: fc.Arbitrary<string>;
  /** The same, longer: commands and file contents (multi-line block scalars). */
  readonly long: fc.Arbitrary<string>;
}

/** Object keys: any text but `__proto__` (the DSL reports it: MLG1011). */
const keyOf = (str: fc.Arbitrary<string>) => str.filter((k) => k !== "__proto__");

/** A file or folder name as `readdir` gives it: no `/`, no NUL, no leading dot, well formed. */
const nameOf = (str: fc.Arbitrary<string>) =>
  str
    .map((s) => asWritten(s).replace(/[/\0]/g, "_"))
    .filter(
      (s) => s !== "" && !s.startsWith(".") && s !== "__pycache__" && Buffer.byteLength(s) < 200,
    );

type Tree = string | number | boolean | readonly Tree[] | { readonly [k: string]: Tree };

function treeOf(str: fc.Arbitrary<string>, key: fc.Arbitrary<string>): fc.Arbitrary<Tree> {
  return fc.letrec<{ value: Tree }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", maxDepth: 3 },
      str,
      fc.array(tie("value"), { maxLength: 3 }),
      fc.dictionary(key, tie("value"), { maxKeys: 3 }),
    ),
  })).value;
}

/** Every place a user string reaches the Kubeflow file, in one pipeline. */
function everythingOf({ str, long }: Alphabet) {
  const key = keyOf(str);
  // File contents and names come from the disk: well formed, and argv cannot carry NUL. A
  // module holding "{{$" or "$$" is refused (MLG3001: Kubeflow fills its placeholders in the
  // command, Kubernetes turns "$$" into "$"), as the unit tests show, so the contents here never
  // hold either.
  const content = long.map((s) =>
    asWritten(s)
      .replace(/\0/g, "")
      .replaceAll("{{$", "{{ $")
      .replace(/\$(?=\$)/g, "$ "),
  );
  const name = nameOf(str);
  return (
    fc
      .record({
        sourceFile: str,
        description: str,
        params: fc.uniqueArray(fc.record({ name: key, default: str, description: str }), {
          selector: (p) => p.name,
          minLength: 1,
          maxLength: 3,
        }),
        branch: fc.record({
          op: fc.constantFrom("==" as const, "!=" as const),
          right: str,
          other: str,
        }),
        withElse: fc.boolean(),
        literals: fc.array(treeOf(str, key), { maxLength: 3 }),
        inline: fc.record({
          list: fc.array(str, { maxLength: 3 }),
          dict: fc.dictionary(key, str, { maxKeys: 2 }),
          template: str,
          // env("") and variable("") are MLG1011: a name is never empty.
          envName: str.filter((s) => s.length > 0),
          envDefault: str,
          varName: key.filter((s) => s.length > 0),
          varDefault: str,
          parts: fc.array(str, { minLength: 1, maxLength: 2 }),
          experiment: str,
          trackingUri: str,
        }),
        loopItems: fc.array(str, { minLength: 1, maxLength: 3 }),
        bash: fc.record({
          command: long,
          env: fc.dictionary(key, str, { maxKeys: 3 }),
          template: str,
          ref: fc.boolean(),
        }),
        container: fc.record({
          // An image Kubernetes cannot pull by name (a space, capitals, a template) is refused
          // (MLG1011, MLG3001), so the image is one of the shapes a pullable name takes.
          image: fc.constantFrom(
            "img",
            "busybox:1.36",
            "registry.example.com:5000/team/tool_x:v1.2-rc.3",
            `ghcr.io/acme/scorer@sha256:${"0a".repeat(32)}`,
          ),
          command: fc.option(fc.array(str, { maxLength: 3 })),
          args: fc.array(str, { maxLength: 3 }),
          env: fc.dictionary(key, str, { maxKeys: 2 }),
        }),
        check: fc.record({ data: str, columns: fc.array(str, { maxLength: 2 }), target: str }),
        sensor: fc.record({ path: str, dag: str, task: str }),
        alerts: fc.option(fc.record({ connId: str })),
        module: content,
        shipped: fc.uniqueArray(fc.record({ folder: fc.option(name), name, content }), {
          selector: (f) => shippedPath(f),
          maxLength: 2,
        }),
      })
      .filter((c) => !c.params.some((p) => p.name === c.inline.varName))
      // A variable named like an Object.prototype member: see the regression property below.
      .filter((c) => !(c.inline.varName in Object.prototype))
  );
}
type Everything = ReturnType<typeof everythingOf> extends fc.Arbitrary<infer T> ? T : never;

function shippedPath(f: { folder: string | null; name: string }): string {
  return `tasks/${f.folder === null ? "" : `${f.folder}/`}${f.name}.py`;
}

const PIPELINE_ID = "everything";
const MODULE = "tasks/m.py";
// importlib: a module the compiler cannot follow, so every shipped file travels with the task
// (targets/kubeflow/modules.ts), whatever its folder's name.
const FUNCTION_HEAD = "import importlib\n\n\ndef f(**kw):\n    pass\n";

type Path = readonly (string | number)[];

/** The Python component's line 1 around the source path, for a task. */
function pyHeader(sourceFile: string) {
  return {
    header_pre: "# Generated by mlgen from ",
    header_post: ` for pipeline '${PIPELINE_ID}'. Do not edit.`,
    source_file: sourceFile,
  };
}

/** The pipeline of an `Everything` case, compiled; and what the oracle must find in it. */
function everythingToCase(c: Everything) {
  const values: [Path, unknown][] = [];
  const envs: [Path, Record<string, string>][] = [];
  const condName = c.params[0]?.name as string;
  const params = Object.fromEntries(
    c.params.map((p) => [p.name, { default: p.default, description: p.description }]),
  );
  let bashEnv: Record<string, Input> = {};
  const def = pipeline(
    PIPELINE_ID,
    {
      description: c.description,
      params,
      ...(c.alerts === null
        ? {}
        : {
            defaults: {
              onFailure: [slack({ connId: c.alerts.connId })],
            },
          }),
    },
    (p) => {
      const P = p.params as unknown as Record<string, TextValue>;
      const ref = P[condName] as TextValue;
      const i = c.inline;
      p.python("py", {
        fn: `${MODULE}:f`,
        inputs: {
          ...Object.fromEntries(c.literals.map((v, n) => [`lit_${n}`, v as Input])),
          mixed: [ref, ...i.list, i.dict],
          tmpl: template(i.template),
          envv: env(i.envName, i.envDefault),
          joined: variable(i.varName, i.varDefault).join(...i.parts),
        },
        mlflow: { experiment: i.experiment, trackingUri: i.trackingUri },
      });
      p.map("each", { fn: `${MODULE}:f`, over: c.loopItems, as: "item" });
      bashEnv = {
        ...c.bash.env,
        TPL: template(c.bash.template),
        ...(c.bash.ref ? { REF: ref } : {}),
      };
      p.bash("sh", { command: c.bash.command, env: bashEnv });
      p.container("box", {
        image: c.container.image,
        ...(c.container.command === null ? {} : { command: c.container.command }),
        args: c.container.args,
        env: c.container.env,
      });
      p.validate("check", {
        data: c.check.data,
        requiredColumns: c.check.columns,
        target: c.check.target,
      });
      p.fileSensor("wait", { path: c.sensor.path });
      p.externalTaskSensor("ext", { dag: c.sensor.dag, task: c.sensor.task });
      const yes = p.bash("then", { command: "true" });
      const no = p.bash("otherwise", { command: "true" });
      p.branch("br", {
        when: [ref, c.branch.op, c.branch.right],
        ifTrue: yes,
        ...(c.withElse ? { ifFalse: no } : {}),
      });
    },
  );
  if (def.problems.length) throw new Error(`DSL problems: ${JSON.stringify(def.problems)}`);
  const module = FUNCTION_HEAD + c.module;
  const pythonFiles = [
    { path: MODULE, content: module },
    ...c.shipped.map((f) => ({ path: shippedPath(f), content: f.content })),
  ];
  const lowered = lowerPipeline({
    ir: def.ir,
    sourceMap: {},
    modules: new Map([[MODULE, module]]),
  });
  if (!lowered.ok) throw new Error(`lowerPipeline: ${JSON.stringify(lowered.diagnostics)}`);
  const input = {
    ir: lowered.ir,
    hash: lowered.hash,
    sourceFile: c.sourceFile,
    sourceMap: {},
    pythonFiles,
  };
  const errors = kubeflowTarget.validate(input).filter((d) => d.severity === "error");
  if (errors.length) {
    // Reported (MLG3001): fine for a string KFP cannot carry (lone surrogates).
    // The Python side then only checks a trivially passing file.
    if (hasLoneSurrogate(c)) return { text: "reported: true\n", values: [] };
    throw new Error(`kubeflow errors: ${errors.map((d) => d.message)}`);
  }
  const text = renderPipelineSpec(input);

  // 1: values at their places.
  const tasks: Path =
    c.alerts === null
      ? ["root", "dag", "tasks"]
      : ["components", "comp-exit-handler-1", "dag", "tasks"];
  if (c.description) values.push([["pipelineInfo", "description"], c.description]);
  const rootParams = ["root", "inputDefinitions", "parameters"];
  for (const p of c.params) {
    values.push([[...rootParams, p.name, "defaultValue"], p.default]);
    if (p.description) values.push([[...rootParams, p.name, "description"], p.description]);
  }
  values.push([[...rootParams, c.inline.varName, "defaultValue"], c.inline.varDefault]);
  c.literals.forEach((v, n) => {
    values.push([
      [...tasks, "py", "inputs", "parameters", `lit_${n}`, "runtimeValue", "constant"],
      v,
    ]);
  });
  const executor = (key: string) => ["deploymentSpec", "executors", `exec-${key}`, "container"];
  const literalEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(bashEnv)) {
    if (typeof v === "string") literalEnv[k] = podEnv(v);
  }
  literalEnv.TPL = podEnv(c.bash.template);
  // The run-time value comes in as the shell's first argument, which `set --` then clears.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's first argument
  const exports = c.bash.ref ? 'export REF="${1}"\nset --\n' : "";
  values.push([
    [...executor("sh"), "command"],
    ["bash", "-c", exports + c.bash.command, "bash"],
  ]);
  envs.push([[...executor("sh"), "env"], literalEnv]);
  values.push([[...executor("box"), "image"], c.container.image]);
  if (c.container.args.length) values.push([[...executor("box"), "args"], c.container.args]);
  if (c.container.command !== null)
    values.push([[...executor("box"), "command"], c.container.command]);
  if (Object.keys(c.container.env).length)
    envs.push([[...executor("box"), "env"], c.container.env]);
  pythonFiles.forEach((f, n) => {
    values.push([[...executor("py"), "command", 7 + n], f.content]);
  });

  // 3: the values inlined into the Python components.
  const i = c.inline;
  const python: Record<string, unknown> = {
    "exec-py": {
      ...pyHeader(c.sourceFile),
      strings: [
        ...i.list,
        ...Object.keys(i.dict),
        ...Object.values(i.dict),
        i.template,
        i.envName,
        i.envDefault,
        ...i.parts,
        i.experiment,
        i.trackingUri,
      ],
    },
    "exec-each": { ...pyHeader(c.sourceFile), strings: [] },
    "exec-check": {
      ...pyHeader(c.sourceFile),
      strings: [c.check.data, ...c.check.columns, c.check.target],
    },
    "exec-wait": { ...pyHeader(c.sourceFile), strings: [c.sensor.path] },
    "exec-ext": {
      ...pyHeader(c.sourceFile),
      strings: [
        `not waiting for Airflow DAG ${c.sensor.dag}: Kubeflow pipelines cannot sense Airflow runs`,
        `Stands in for the wait on ${c.sensor.dag}${c.sensor.task ? `.${c.sensor.task}` : ""}, which Kubeflow cannot express.`,
      ],
    },
  };
  if (c.alerts !== null) {
    // The connection id only names the variable the webhook URL is read from.
    python["exec-alerts"] = { ...pyHeader(c.sourceFile), strings: [] };
  }

  return {
    text: asWritten(text),
    values,
    envs,
    loop: c.loopItems,
    // 4: the YAML header.
    header_lines:
      4 +
      (c.description ? lineCount(c.description) : 0) +
      // `# Inputs:`, then every pipeline input: the params and the one variable().
      1 +
      c.params.length +
      1,
    python,
    // 2: the branch.
    condition: {
      param: condName,
      op: c.branch.op,
      right: c.branch.right,
      other: c.branch.other === c.branch.right ? `${c.branch.right}x` : c.branch.other,
      sides: c.withElse ? ["no", "yes"] : ["yes"],
    },
    // 5: the launcher of the python task.
    launcher: { executor: "exec-py", modules: pythonFiles.map((f) => [f.path, f.content]) },
  };
}

const BROAD: Alphabet = { str: text(), long: text(64) };

// ---------------------------------------------------------------------------------------------
// The oracle can fail: documents broken on purpose are rejected
// ---------------------------------------------------------------------------------------------

/** A fixed case with recognizable strings, to break in known ways. */
const SAMPLE: Everything = {
  sourceFile: "pipelines/sample.ts",
  description: "zzdesc",
  params: [{ name: "mode", default: "fast", description: "the mode" }],
  branch: { op: "==", right: "it's", other: "other" },
  withElse: true,
  literals: ["zzlit", ["a", { k: "v" }]],
  inline: {
    list: ["zzlist"],
    dict: { key: "value" },
    template: 'tq"x',
    envName: "HOME",
    envDefault: "/root",
    varName: "data_dir",
    varDefault: "/data",
    parts: ["raw.csv"],
    experiment: "exp",
    trackingUri: "http://mlflow",
  },
  loopItems: ["a", "b"],
  bash: { command: "echo hi", env: { A: "1x" }, template: "{{ ds }}", ref: true },
  container: { image: "img", command: ["run"], args: ["--x"], env: { B: "b" } },
  check: { data: "data.csv", columns: ["c"], target: "c" },
  sensor: { path: "/tmp/x", dag: "other", task: "t" },
  alerts: { connId: "slack_default" },
  module: "# zzmodule\n",
  shipped: [{ folder: "sub dir", name: "it's", content: "x = 1\n" }],
};

describe("the oracle", () => {
  it("accepts the sample and rejects each way of breaking it", () => {
    const good = everythingToCase(SAMPLE);
    type Case = typeof good;
    const edit = (from: string | RegExp, to: string) => (c: Case) => {
      const text = c.text.replaceAll(from, to);
      expect(text, `${from} not found`).not.toBe(c.text);
      return { ...c, text };
    };
    const broken: [string, (c: Case) => Case, RegExp][] = [
      // A scalar spliced in unescaped.
      ["yaml value", edit("constant: zzlit", 'constant: zz"lit'), /got 'zz"lit'/],
      ["yaml type", edit("description: zzdesc", "description: yes"), /description.*got True/],
      ["yaml syntax", edit("description: zzdesc", "description: a: b"), /ScannerError/],
      // The CEL literal without its opening quote; the comparison turned around.
      ["cel syntax", edit("== 'it", "== it"), /CEL does not compile/],
      [
        "cel value",
        edit("'pipelinechannel--mode'] ==", "'pipelinechannel--mode'] !="),
        /gives BoolType\(False\) on the yes side/,
      ],
      // A Python string that is not the value; a syntax error; code on a header line.
      ["python value", edit("zzlist", "zzlisT"), /exec-py component: string not found.*zzlist/],
      ["python syntax", edit("def run_f(", "def run_f(("), /exec-py component: SyntaxError/],
      [
        "python header",
        edit("# kfp's executor", "x = 1  # kfp's executor"),
        /exec-py component: lines 1-2 are not two comment lines/,
      ],
      // A header comment that spills onto a second line.
      ["yaml header", edit("# Description: zzdesc", "# Description: zz\ndesc"), /YAML header/],
      // A shell word without its quoting.
      [
        "launcher",
        edit(`'mlgen_project/tasks/sub dir'`, "mlgen_project/tasks/sub dir"),
        /launcher/,
      ],
      // A module that is not what the file says.
      ["module", edit("# zzmodule", "# zzmodulE"), /'command'\.\[7\]: got/],
    ];
    const verdicts = runOracle("spec", [good, ...broken.map(([, f]) => f(good))]);
    expect(verdicts[0], JSON.stringify(verdicts[0])).toEqual({ ok: true, why: [] });
    broken.forEach(([name, , why], n) => {
      const v = verdicts[n + 1] as Verdict;
      expect(v.ok, `${name} was accepted`).toBe(false);
      expect(v.why.join("\n"), name).toMatch(why);
    });
    // The other checks, on small documents: numbers, env lists, the loop's JSON.
    const small = runOracle("spec", [
      { text: "v: 1.0e-7\n", values: [], numbers: [[["v"], 1e-7]] },
      { text: "v: 1e-7\n", values: [], numbers: [[["v"], 1e-7]] },
      { text: "v: true\n", values: [], numbers: [[["v"], 1]] },
      { text: "e:\n- name: A\n  value: 'yes'\n", values: [], envs: [[["e"], { A: "yes" }]] },
      { text: "e:\n- name: A\n  value: yes\n", values: [], envs: [[["e"], { A: "yes" }]] },
      {
        text: "t:\n  parameterIterator:\n    items:\n      raw: '[\"a\"]'\n",
        values: [],
        loop: ["a"],
      },
      {
        text: "t:\n  parameterIterator:\n    items:\n      raw: '[\"a\"]'\n",
        values: [],
        loop: ["b"],
      },
    ]);
    expect(small.map((v) => v.ok)).toEqual([true, false, false, true, false, true, false]);
    const load = runOracle("load", [
      { text: good.text, description: "zzdesc", defaults: { mode: "fast" } },
      { text: good.text.replace(/parameterType: STRING/, "parameterType: STRANG") },
      { text: good.text, description: "zzdesc", defaults: { mode: "slow" } },
    ]);
    expect(load.map((v) => v.ok)).toEqual([true, false, false]);
  });
});

// ---------------------------------------------------------------------------------------------
// 1–5: every place, end to end
// ---------------------------------------------------------------------------------------------

describe("user strings in a Kubeflow pipeline file, end to end", () => {
  it("read back exactly: YAML values, CEL conditions, Python components, header, launcher (300 cases)", () => {
    assertInPython(everythingOf(BROAD), "spec", everythingToCase, {
      numRuns: 300,
      examples: [SAMPLE],
    });
  });

  it("kfp's loader accepts the files and reads the description and defaults back (20 files)", () => {
    // kfp's import alone takes seconds: one batch, no replay. Lone surrogates are reported instead (MLG3001).
    const [str, long] = [text().map(asWritten), text(64).map(asWritten)];
    const cases = fc.sample(everythingOf({ str, long }), { numRuns: 20, seed: SEED }).map((c) => ({
      text: everythingToCase(c).text,
      description: c.description,
      defaults: Object.fromEntries(c.params.map((p) => [p.name, p.default])),
    }));
    const failed = runOracle("load", cases)
      .map((v, n) => ({ ...v, description: cases[n]?.description }))
      .filter((v) => !v.ok);
    expect(failed).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Bugs found by the properties above, each isolated: failing on its own, or guarding its fix
// ---------------------------------------------------------------------------------------------

/** Compiles a pipeline definition for Kubeflow; throws on any problem or error diagnostic. */
function compileKfp(def: ReturnType<typeof pipeline>, sourceFile = "pipelines/p.ts") {
  if (def.problems.length) throw new Error(`DSL problems: ${JSON.stringify(def.problems)}`);
  const module = FUNCTION_HEAD;
  const lowered = lowerPipeline({
    ir: def.ir,
    sourceMap: {},
    modules: new Map([[MODULE, module]]),
  });
  if (!lowered.ok) throw new Error(`lowerPipeline: ${JSON.stringify(lowered.diagnostics)}`);
  const input = {
    ir: lowered.ir,
    hash: lowered.hash,
    sourceFile,
    sourceMap: {},
    pythonFiles: [{ path: MODULE, content: module }],
  };
  return { input, diagnostics: kubeflowTarget.validate(input) };
}

/** One string in each kind of YAML place: a plain value, a key, a list item, a comment. */
function placesToCase(s: string) {
  const def = pipeline("places", { description: s, params: { p: s } }, (p) => {
    p.python("py", {
      fn: `${MODULE}:f`,
      inputs: { lit: s, obj: s === "__proto__" ? {} : { [s]: [s] } },
    });
    p.bash("sh", { command: s, env: { E: s } });
    p.container("box", { image: "img", args: [s] });
  });
  const { input, diagnostics } = compileKfp(def);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`kubeflow errors: ${errors.map((d) => d.message)}`);
  const task = ["root", "dag", "tasks", "py", "inputs", "parameters"];
  const executor = (key: string) => ["deploymentSpec", "executors", `exec-${key}`, "container"];
  const values: [Path, unknown][] = [
    [["root", "inputDefinitions", "parameters", "p", "defaultValue"], s],
    [[...task, "lit", "runtimeValue", "constant"], s],
    [[...task, "obj", "runtimeValue", "constant"], s === "__proto__" ? {} : { [s]: [s] }],
    [
      [...executor("sh"), "command"],
      ["bash", "-c", s, "bash"],
    ],
    [[...executor("box"), "args"], [s]],
  ];
  if (s) values.push([["pipelineInfo", "description"], s]);
  return {
    text: asWritten(renderPipelineSpec(input)),
    values,
    envs: [[[...executor("sh"), "env"], { E: podEnv(s) }]],
    header_lines: 4 + (s ? lineCount(s) : 0) + 2,
  };
}

/** Lines of a description in the header: kfp's continuation lines after its first. */
const lineCount = (text: string) => text.split(/\r\n|\r|\n/).length;

const bugUnit = (pieces: readonly string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...pieces), weight: 1 },
    { arbitrary: printableAscii, weight: 2 },
  );

describe("regression: U+FFFE and U+FFFF", () => {
  // yaml.ts: quoted() and literalBlock() (and yamlComment, below) write U+FFFE and U+FFFF raw.
  // PyYAML (kfp.components.load_component_*, kfp's compiler) rejects both anywhere in the
  // stream: "unacceptable character #xfffe: special characters are not allowed". So does
  // python.ts pyString, whose output lands in the component source (a YAML block).
  it("a value with U+FFFE or U+FFFF reads back exactly (50 cases)", () => {
    const arb = fc
      .string({ unit: bugUnit(["\ufffe", "\uffff"]), minLength: 1, maxLength: 8 })
      .filter((s) => /[\ufffe\uffff]/.test(s));
    assertInPython(arb, "spec", placesToCase, { numRuns: 50, examples: ["\ufffe", "a\uffff"] });
  });
});

describe("regression: long keys", () => {
  // yaml.ts block(): every key is written as an implicit key (`key: value`), but YAML limits
  // implicit keys to 1024 characters; PyYAML (and libyaml, go-yaml) then fail: "mapping values
  // are not allowed here". A param name, an env name or a key of a dict input is user text of
  // any length; past 1024 characters the key needs the explicit form (`? key` / `: value`).
  it("keys of more than 1024 characters read back exactly (5 cases)", () => {
    const arb = fc.string({ unit: printableAscii, minLength: 1025, maxLength: 1100 });
    assertInPython(
      arb,
      "spec",
      (k: string) => {
        const def = pipeline("keys", { params: { [k]: "v" } }, (p) => {
          p.python("py", { fn: `${MODULE}:f`, inputs: { obj: { [k]: k } } });
          p.bash("sh", { command: "true", env: { [k]: "v" } });
        });
        const { input } = compileKfp(def);
        return {
          text: asWritten(renderPipelineSpec(input)),
          values: [
            [["root", "inputDefinitions", "parameters", k, "defaultValue"], "v"],
            [
              [
                "root",
                "dag",
                "tasks",
                "py",
                "inputs",
                "parameters",
                "obj",
                "runtimeValue",
                "constant",
              ],
              { [k]: k },
            ],
          ],
          envs: [[["deploymentSpec", "executors", "exec-sh", "container", "env"], { [k]: "v" }]],
        };
      },
      { numRuns: 5, examples: ["k".repeat(1025)] },
    );
  });
});

describe("YAML scalars that PyYAML (YAML 1.1) reads differently from YAML 1.2 (each once a bug)", () => {
  // Was a bug: the `yaml` library (YAML 1.2) double-quoted a string with controls through
  // JSON.stringify, which leaves U+007F-U+009F raw, and wrote U+2028/U+2029 raw in any style.
  // PyYAML rejects U+007F-U+0084 and U+0086-U+009F ("unacceptable character") and reads U+0085,
  // U+2028 and U+2029 as line breaks: a description "a\u0085b" came back as "a b".
  it("C1 controls, NEL, U+2028 and U+2029 read back exactly (100 cases)", () => {
    const pieces = ["\x7f", "\x80", "\x85", "\x9f", "\u2028", "\u2029", "\n", " "];
    const arb = fc
      .string({ unit: bugUnit(pieces), minLength: 1, maxLength: 8 })
      .filter((s) => /[\x7f-\x9f\u2028\u2029]/.test(s));
    assertInPython(arb, "spec", placesToCase, {
      numRuns: 100,
      examples: ["\x85", "a\u2028b", "\x7f", "a\n\u2029b"],
    });
  });

  // Was a bug: the `yaml` library checked plain scalars against the YAML 1.2 core schema only;
  // PyYAML resolves them with YAML 1.1's implicit tags. A param default or constant "yes", "on",
  // "off" or "no" became a boolean, "1:20" the integer 80, "0b101" 5, "1_000" 1000,
  // "2001-12-14" a date, and "=" or "<<" a ConstructorError.
  it("strings that are YAML 1.1 booleans, numbers, dates, merge or value keys stay strings (50 cases)", () => {
    const arb = fc.constantFrom(
      "yes",
      "No",
      "on",
      "OFF",
      "=",
      "<<",
      "1:20",
      "-190:20:30.15",
      "0b101",
      "1_000",
      "0777",
      "1_0.5",
      "2001-12-14",
      "2001-12-14 21:59:43.10 -5",
    );
    assertInPython(arb, "spec", placesToCase, { numRuns: 50, examples: ["yes", "1:20", "="] });
  });

  // Was a bug: the `yaml` library wrote a one-line string with a tab as a plain scalar
  // (`a b\tc`), which PyYAML cannot scan ("found character '\t' that cannot start any token").
  it("a tab inside a one-line value reads back exactly (50 cases)", () => {
    const word = fc.stringMatching(/^[a-z]{1,4}$/);
    const arb = fc.tuple(word, word, word).map(([a, b, c]) => `${a} ${b}\t${c}`);
    assertInPython(arb, "spec", placesToCase, { numRuns: 50, examples: ["a b\tc"] });
  });

  // Was a bug: the `yaml` library wrote a value of only spaces and line breaks as a block scalar
  // without an indentation indicator (`|+`, then a line of spaces), so the spaces became
  // indentation: " \n" read back as "\n".
  it("multi-line values of only spaces and line breaks read back exactly (50 cases)", () => {
    const arb = fc
      .stringMatching(/^[ \n]{0,3}\n[ \n]{0,3}$/)
      .filter((s) => s.includes(" ") && s.endsWith("\n"));
    assertInPython(arb, "spec", placesToCase, { numRuns: 50, examples: [" \n", "\n \n"] });
  });

  // Was a bug: the `yaml` library wrote 1e-7 as `1e-7` and 1e21 as `1e+21`; YAML 1.1 floats
  // need a dot, so PyYAML read both as strings: a float param `{ lr: 1e-7 }` had the string
  // default "1e-7" in kfp, and a NUMBER_DOUBLE constant input was a string.
  it("numbers in param defaults and constant inputs read back as numbers (100 cases)", () => {
    const arb = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.constantFrom(1e-7, 1e21, 5e-324, 2.5e-8),
    );
    assertInPython(
      arb,
      "spec",
      (n: number) => {
        const def = pipeline("numbers", { params: { n } }, (p) => {
          p.python("py", { fn: `${MODULE}:f`, inputs: { lit: n, list: [n] } });
        });
        const { input } = compileKfp(def);
        const task = ["root", "dag", "tasks", "py", "inputs", "parameters"];
        return {
          text: asWritten(renderPipelineSpec(input)),
          values: [],
          numbers: [
            [["root", "inputDefinitions", "parameters", "n", "defaultValue"], n],
            [[...task, "lit", "runtimeValue", "constant"], n],
            [[...task, "list", "runtimeValue", "constant", 0], n],
          ],
        };
      },
      { numRuns: 100, examples: [1e-7, 1e21] },
    );
  });

  // Was a bug: task and pipeline ids are Airflow ids, and their KFP keys (k8sName) were written
  // as plain YAML keys and values: a task `yes`, `on` or `off` was the boolean key true/false
  // in `root.dag.tasks`, and kfp's loader failed ("expected string or bytes-like object, got
  // 'bool'"); a pipeline `on` got `name: true`; a task `0b1` the integer key 1.
  it("task and pipeline ids read back as their keys and names (30 cases)", () => {
    const id = fc.constantFrom("yes", "no", "on", "off", "Yes", "ON", "0b1", "0b10", "y", "n");
    assertInPython(
      fc.record({ pipelineId: id, taskId: id }),
      "spec",
      ({ pipelineId, taskId }) => {
        const def = pipeline(pipelineId, {}, (p) => {
          p.bash(taskId, { command: "true" });
        });
        const { input } = compileKfp(def);
        const key = taskId.toLowerCase();
        return {
          text: asWritten(renderPipelineSpec(input)),
          values: [
            [["pipelineInfo", "name"], pipelineId.toLowerCase()],
            // The key, as kfp writes it (KFP backends before 2.14 look tasks up by it).
            [["root", "dag", "tasks", key, "taskInfo", "name"], key],
            [["root", "dag", "tasks", key, "componentRef", "name"], `comp-${key}`],
          ],
        };
      },
      { numRuns: 30, examples: [{ pipelineId: "p", taskId: "yes" }] },
    );
  });
});

describe("regression: header comments", () => {
  // yaml.ts yamlComment flattens line breaks and controls but keeps U+FFFE and U+FFFF, which
  // PyYAML rejects anywhere in the stream, comments included: a source path
  // "pipelines/\ufffe.ts" (or a description, a param name or default) makes the file unreadable.
  it("a source path with U+FFFE or U+FFFF leaves the file readable (50 cases)", () => {
    const arb = fc
      .string({ unit: bugUnit(["\ufffe", "\uffff"]), minLength: 1, maxLength: 8 })
      .filter((s) => /[\ufffe\uffff]/.test(s));
    assertInPython(
      arb,
      "spec",
      (sourceFile: string) => {
        const def = pipeline("comments", {}, (p) => {
          p.bash("sh", { command: "true" });
        });
        const { input } = compileKfp(def, sourceFile);
        return {
          text: asWritten(renderPipelineSpec(input)),
          values: [[["pipelineInfo", "name"], "comments"]],
          header_lines: 4,
        };
      },
      { numRuns: 50, examples: ["pipelines/\ufffe.ts"] },
    );
  });
});

describe("regression: strings kfp cannot carry", () => {
  // The DSL accepts any JS string, and the `yaml` library writes a lone surrogate as the escape
  // "\ud800", which PyYAML reads back; but a PipelineSpec is a protobuf, whose strings are
  // UTF-8: kfp.components.load_component_from_text fails ("surrogates not allowed"), as does
  // libyaml ("invalid Unicode character escape code"). The target should report the string
  // (MLG3001, naming the place), not emit a file kfp cannot load.
  it("a string with a lone surrogate is reported, or the file loads in kfp (10 files)", () => {
    const lone = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
    const arb = fc
      .tuple(fc.string({ unit: printableAscii, maxLength: 4 }), lone)
      .map(([a, b]) => `${a}${b}`);
    const values = ["\ud800", ...fc.sample(arb, { numRuns: 9, seed: SEED })];
    const silent: string[] = [];
    const cases = values.flatMap((s) => {
      const def = pipeline("surrogates", { description: s }, (p) => {
        p.bash("sh", { command: "true" });
      });
      const { input, diagnostics } = compileKfp(def);
      if (diagnostics.some((d) => d.severity === "error")) return [];
      silent.push(s);
      return [{ text: asWritten(renderPipelineSpec(input)), description: s }];
    });
    const failed = runOracle("load", cases)
      .map((v, n) => ({ description: JSON.stringify(silent[n]), why: v.why }))
      .filter((v) => v.why.length > 0);
    expect(failed).toEqual([]);
  });
});

describe("regression: names of Object.prototype members", () => {
  // spec.ts sourceOf: `if (ir.params[v.name])` reads through the prototype, so variable("toString")
  // (or constructor, valueOf, hasOwnProperty, ...) is an error: "a param named 'toString'
  // exists". Object.hasOwn(ir.params, v.name) is meant.
  it("a variable may be named like an Object.prototype member (10 cases)", () => {
    const name = fc.constantFrom(
      "toString",
      "constructor",
      "valueOf",
      "hasOwnProperty",
      "isPrototypeOf",
      "toLocaleString",
    );
    fc.assert(
      fc.property(name, (n) => {
        const def = pipeline("vars", {}, (p) => {
          p.python("py", { fn: `${MODULE}:f`, inputs: { v: variable(n, "d") } });
        });
        const { diagnostics } = compileKfp(def);
        expect(diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
      }),
      { numRuns: 10, seed: SEED },
    );
  });
});
