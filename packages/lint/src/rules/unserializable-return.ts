import type { DagFile, DagTask } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { callParts, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

/** Libraries whose models, estimators and tensors Airflow's XCom serializer has no serializer for. */
const MODEL_MODULE =
  /^(?:sklearn|xgboost|lightgbm|catboost|torch|tensorflow|keras|tf_keras|transformers|statsmodels|prophet|sentence_transformers)(?:\.|$)/;
/** Calls that load a model object from a file or a registry. */
const LOADS =
  /^(?:joblib\.load|pickle\.loads?|cloudpickle\.loads?|dill\.loads?|torch\.load|mlflow(?:\.\w+)*\.load_model|(?:tf\.)?keras\.models\.load_model|tf\.saved_model\.load)$/;

/** What a function's text holds when it may return a model: `.fit(`, a load, a class's call. */
const MAY_MAKE_MODEL = /\.fit\s*\(|load|[A-Z]\w*\s*\(/;

/** What makes an expression a model object: why, in a finding's words; null when it is not one. */
type Why = string | null;

/** The classes the file defines, by what Airflow does with an instance a task returns. */
interface FileClasses {
  /**
   * Not a dataclass or attrs class, with no `serialize` method (what Airflow's serde looks
   * for), and no base but `object` (an exception, an enum, a typed dict or a subclass of
   * something imported may be serializable): Airflow cannot serialize it.
   */
  readonly plain: ReadonlySet<string>;
  /**
   * A dataclass or attrs class, or one with a `serialize` method: Airflow stores it, but cannot
   * load it again, as it imports a DAG file under a made-up module name
   * (`unusual_prefix_<hash>_<file>`) that no `allowed_deserialization_classes` names, so a task
   * reading the value fails (ImportError: ... was not found in allow list for deserialization
   * imports).
   */
  readonly stored: ReadonlySet<string>;
}

function fileClasses(source: string): FileClasses {
  const plain = new Set<string>();
  const stored = new Set<string>();
  if (!source.includes("class ")) return { plain, stored };
  const classes =
    /^((?:@[^\n]*\n)*)class\s+(\w+)\s*(?:\(([^)]*)\))?\s*:[^\n]*\n((?:[ \t]+[^\n]*\n|[ \t]*\n)*)/gm;
  for (const [, decorators = "", name = "", bases = "", body = ""] of source.matchAll(classes)) {
    if (
      /@(?:\w+\.)*(?:dataclass|define|frozen|attrs|s)\b/.test(decorators) ||
      /^\s+def\s+serialize\s*\(/m.test(body)
    )
      stored.add(name);
    else if (bases.trim() === "" || bases.trim() === "object") plain.add(name);
  }
  return { plain, stored };
}

const MODEL_CONSEQUENCE =
  "which Airflow pushes as an XCom and cannot serialize ('Cannot serialize object of type ...'): the task fails after its work, on every try";
const MODEL_FIX =
  "save the model where the next task can read it (mlflow.sklearn.log_model, object storage) and return its URI or run id; or return plain values (metrics, paths); or do_xcom_push=False when nothing reads it";

/** The file's names for classes and functions of the model libraries (`XGBClassifier`, `xgb`, `nn`). */
function modelNames(file: DagFile): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const imp of file.imports) {
    if (!MODEL_MODULE.test(imp.module)) continue;
    const local = imp.as ?? imp.name ?? imp.module.split(".")[0] ?? imp.module;
    out.set(local, imp.name ? `${imp.module}.${imp.name}` : imp.module);
  }
  return out;
}

/** The statements of a function's body, nested blocks included, not nested functions or classes. */
function statements(def: PyNode, visit: (n: PyNode) => void): void {
  const walk = (n: PyNode) => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (
        c.name === "FunctionDefinition" ||
        c.name === "ClassDefinition" ||
        c.name === "LambdaExpression"
      )
        continue;
      visit(c);
      walk(c);
    }
  };
  const body = def.lastChild;
  if (body) walk(body);
}

/**
 * A TaskFlow or PythonOperator task whose function returns a model object (an estimator after
 * `.fit()`, a network, a loaded model, an instance of a plain class of the file): Airflow pushes
 * the return value as an XCom and its serializer refuses it ("Cannot serialize object of type
 * ..."), so the task fails after its work, on every try.
 */
export const unserializableReturn = defineRule({
  id: "unserializable-return",
  code: "MLG2024",
  defaultSeverity: "error",
  description:
    "A task's function returns a model object (a fitted estimator, a network, a loaded model) that Airflow cannot store as an XCom: the task fails after its work, on every try.",
  checkPython(file, report) {
    const tasks = file.tasks.filter((t) => pushesReturn(file, t));
    if (tasks.length === 0) return;
    // The file's own classes, read when a call of a capitalized name asks.
    let classes: FileClasses | undefined;
    const classesOf = () => {
      classes ??= fileClasses(file.source);
      return classes;
    };
    const whyOf = modelWhy(file, modelNames(file), classesOf);
    /** The stored class of this file a call makes, or null. */
    const storedClassOf = (n: PyNode | null | undefined) => {
      if (n?.name !== "CallExpression") return null;
      const callee = callParts(file.source, n)?.callee ?? "";
      return classesOf().stored.has(callee) ? callee : null;
    };
    const seen = new Set<PyNode>();
    for (const task of tasks) {
      const fn = task.callable;
      if (!fn || seen.has(fn.node)) continue;
      seen.add(fn.node);
      // Only a body that fits, loads or makes an object (`Name(`) can return a model.
      if (!MAY_MAKE_MODEL.test(file.source.slice(fn.node.from, fn.node.to))) continue;
      // Names the function binds, each to the reason it holds a model (null: something else),
      // and to the stored class of this file it holds an instance of (null: something else).
      const bound = new Map<string, Why>();
      const made = new Map<string, string | null>();
      const returns: PyNode[] = [];
      statements(fn.node, (n) => {
        // `return model, metrics` is a tuple without brackets: each item after `return`.
        if (n.name === "ReturnStatement") {
          for (let c = n.firstChild?.nextSibling; c; c = c.nextSibling)
            if (c.name !== ",") returns.push(c);
        }
        if (n.name !== "AssignStatement") return;
        const target = n.firstChild;
        const value = n.lastChild;
        if (target?.name !== "VariableName" || !value) return;
        const name = textOf(file.source, target);
        if (target.nextSibling?.name !== "AssignOp") {
          made.set(name, null);
          return;
        }
        const why = whyOf(value, bound);
        // A name bound to a model once and to something else elsewhere is not judged.
        bound.set(name, bound.has(name) && bound.get(name) !== why ? null : why);
        const cls = storedClassOf(value);
        made.set(name, made.has(name) && made.get(name) !== cls ? null : cls);
      });
      for (const value of returns) {
        const why = whyOf(value, bound);
        if (why) {
          report(
            { fn: fn.name, task: task.id, why, consequence: MODEL_CONSEQUENCE, fix: MODEL_FIX },
            file.lines.span(value.from, value.to),
          );
          continue;
        }
        // An instance of a stored class of this file: made here, or by a name bound to one.
        const own =
          value.name === "VariableName"
            ? (made.get(textOf(file.source, value)) ?? null)
            : storedClassOf(value);
        const readers = own ? readersOf(file, task) : [];
        if (!own || readers.length === 0) continue;
        const them = readers.map((r) => `'${r}'`);
        const list =
          them.length === 1 ? them[0] : `${them.slice(0, -1).join(", ")} and ${them.at(-1)}`;
        report(
          {
            fn: fn.name,
            task: task.id,
            why: `an instance of ${own}, a class of this DAG file`,
            consequence: `which Airflow stores as an XCom but cannot load again: it imports a DAG file under a made-up module name that no allow list names, so task${readers.length === 1 ? "" : "s"} ${list}, reading it, fail${readers.length === 1 ? "s" : ""} on every try (ImportError: unusual_prefix_<hash>_<file>.${own} was not found in allow list for deserialization imports)`,
            fix: `move ${own} to a module of your project (on the workers' path) and add it to [core] allowed_deserialization_classes; or return plain values (dataclasses.asdict(...), a dict)`,
          },
          file.lines.span(value.from, value.to),
        );
      }
    }
  },
});

/** Tasks that read a task's return value (a TaskFlow argument, an xcom_pull of return_value). */
function readersOf(file: DagFile, task: DagTask): string[] {
  const out: string[] = [];
  for (const t of file.tasks) {
    if (t === task || out.includes(t.id)) continue;
    const reads = t.pulls.some(
      (p) =>
        !p.otherDag &&
        (p.key === "return_value" || p.key === null) &&
        p.taskIds?.includes(task.id) === true,
    );
    if (reads) out.push(t.id);
  }
  return out;
}

/** Tasks whose function's return Airflow pushes as an XCom (not with do_xcom_push=False). */
function pushesReturn(file: DagFile, task: DagTask): boolean {
  if (task.operator !== "@task" && task.operator !== "PythonOperator") return false;
  const push = task.kwargs.get("do_xcom_push");
  return !task.kwargsOpen && !(push && textOf(file.source, push).trim() === "False");
}

/**
 * Why an expression of a task's function is a model object, given what the function's names
 * hold (`bound`): a call that fits, loads or makes one, a name bound to one, a list, tuple or
 * dict holding one.
 */
function modelWhy(
  file: DagFile,
  models: ReadonlyMap<string, string>,
  classesOf: () => FileClasses,
) {
  const whyOf = (node: PyNode, bound: ReadonlyMap<string, Why>): Why => {
    switch (node.name) {
      case "VariableName":
        return bound.get(textOf(file.source, node)) ?? null;
      case "TupleExpression":
      case "ArrayExpression":
      case "DictionaryExpression": {
        // A list's or tuple's items; a dict's values (`{"model": model}`: after each `:`).
        const dict = node.name === "DictionaryExpression";
        for (let c = node.firstChild; c; c = c.nextSibling) {
          if (dict && c.prevSibling?.name !== ":") continue;
          const why = whyOf(c, bound);
          if (why) return why;
        }
        return null;
      }
      case "CallExpression": {
        const name = callParts(file.source, node)?.callee ?? "";
        if (/\.fit$/.test(name))
          return "the result of .fit(), the fitted estimator itself (a History in Keras)";
        if (LOADS.test(name)) return `a model loaded with ${name}()`;
        const head = name.split(".")[0] ?? name;
        const from = models.get(head);
        if (from && /^[A-Z]/.test(name.split(".").pop() ?? ""))
          return `an object of ${name} (${from.split(".")[0]})`;
        if (/^[A-Z]\w*$/.test(name) && classesOf().plain.has(name))
          return `an instance of ${name}, a class of this file with no serialize() method`;
        return null;
      }
      default:
        return null;
    }
  };
  return whyOf;
}
