/**
 * A container task's image, checked for every target as the Kubeflow target checks
 * kubeflow.image (passes/check-images.ts), and the items of a literal list a task maps over,
 * checked against the mapped parameter's annotation for every target (passes/check-map-items.ts).
 */
import { describe, expect, it } from "vitest";
import { pipeline } from "../../dsl/src/index.js";
import { airflowTarget, kubeflowTarget, lowerPipeline } from "../src/index.js";
import { imageProblem } from "../src/passes/check-images.js";

const STEPS = [
  "def as_text(x: str) -> str:",
  "    return x",
  "",
  "def as_float(x: float) -> float:",
  "    return x",
  "",
  "def maybe_rows(rows: Optional[list] = None) -> int:",
  "    return len(rows or [])",
  "",
  "def anything(x):",
  "    return x",
  "",
].join("\n");

const lower = (ir: unknown) =>
  lowerPipeline({ ir, sourceMap: {}, modules: new Map([["tasks/steps.py", STEPS]]) });

const said = (ir: unknown, code: string) =>
  lower(ir)
    .diagnostics.filter((d) => d.code === code)
    .map((d) => `${d.severity} ${d.task}: ${d.message} | ${d.fix}`);

/** The target's input for a pipeline that lowers without errors. */
function input(ir: unknown) {
  const r = lower(ir);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return { ...r, sourceFile: "pipelines/p.pipeline.ts", sourceMap: {}, pythonFiles: [] };
}

describe("container images", () => {
  it("an image Kubernetes cannot pull is MLG1011 at the task for every target, as a python task's kubeflow.image is", () => {
    const ir = pipeline("images", {}, (p) => {
      p.container("tag", { image: "ghcr.io/Acme/Tool:", command: ["tool"] });
      p.container("space", { image: "my image:1", command: ["tool"] });
      p.container("caps", { image: "ghcr.io/Acme/tool:1", command: ["tool"] });
      p.container("fine", { image: "ghcr.io/acme/tool:1.2", command: ["tool"] });
      p.container("digest", {
        image: `registry.example.com:5000/ml/scorer@sha256:${"a".repeat(64)}`,
        command: ["score"],
      });
      // Rendered by KubernetesPodOperator when the task runs: Kubeflow's own check says more.
      p.container("templated", { image: "{{ var.value.scorer_image }}", command: ["score"] });
    }).ir;
    const hint =
      "write the image as docker pull takes it: registry.example.com/team/name:tag, lowercase";
    const pod =
      "so its pod fails with InvalidImageName, on Airflow (KubernetesPodOperator) and Kubeflow alike";
    expect(lower(ir).ok).toBe(false);
    expect(said(ir, "MLG1011")).toEqual([
      `error tag: invalid image "ghcr.io/Acme/Tool:" of container task 'tag': '' is no tag (letters, digits, '_', '.', '-', at most 128), ${pod} | ${hint}`,
      `error space: invalid image "my image:1" of container task 'space': it holds a space, ${pod} | ${hint}`,
      `error caps: invalid image "ghcr.io/Acme/tool:1" of container task 'caps': 'Acme' has capital letters, and a repository name is lowercase, ${pod} | ${hint}`,
    ]);
    expect(imageProblem("")).toBe("it is empty");
    // A registry by its IPv6 address (distribution's reference grammar), and a broken one.
    expect(imageProblem("[::1]:5000/team/tool:1")).toBeNull();
    expect(imageProblem("[fd00::12]/tool")).toBeNull();
    expect(imageProblem("[::1:5000/tool")).toBe("'[::1:5000' is no registry host");
  });

  it("an image holding an Airflow template is MLG3001 on Kubeflow, which does not render it, and left to Airflow, which does", () => {
    const ir = pipeline("templated", {}, (p) => {
      p.container("score", { image: "{{ var.value.scorer_image }}", command: ["score"] });
    }).ir;
    expect(
      kubeflowTarget
        .validate(input(ir))
        .filter((d) => d.severity === "error")
        .map((d) => `${d.code} ${d.task}: ${d.message} | ${d.fix}`),
    ).toEqual([
      `MLG3001 score: image "{{ var.value.scorer_image }}" of container task 'score' cannot be expressed for Kubeflow Pipelines: it holds an Airflow template, which Kubeflow does not render: the pod would pull an image of that name and fail with InvalidImageName | write the image itself (registry.example.com/team/name:tag); one chosen per deployment can be read when the pipeline compiles: image: process.env.SCORER_IMAGE ?? "registry.example.com/team/scorer:1.0"`,
    ]);
    expect(airflowTarget.validate(input(ir)).filter((d) => d.severity === "error")).toEqual([]);
  });
});

describe("the items of a literal list a task maps over", () => {
  it("an item its parameter's annotation refuses is MLG1026, as a literal input is", () => {
    const ir = pipeline("items", {}, (p) => {
      p.map("lit_text", {
        fn: "tasks/steps.py:as_text",
        over: [1, 2],
        as: "x",
        outputs: { t: "string" },
      });
      // The same value as a plain input: the warning the map item now matches.
      p.python("lit", { fn: "tasks/steps.py:as_text", inputs: { x: 5 } });
      p.map("mixed", { fn: "tasks/steps.py:as_text", over: ["a", 2.5, true], as: "x" });
      p.map("dicts", { fn: "tasks/steps.py:as_float", over: [{ a: 1 }, { a: 2 }], as: "x" });
      p.map("rows", { fn: "tasks/steps.py:maybe_rows", over: [[1], "x"], as: "rows" });
      p.map("flags", { fn: "tasks/steps.py:as_text", over: [true, false], as: "x" });
    }).ir;
    expect(said(ir, "MLG1026")).toEqual([
      // The plain input's (checkModules) comes first, then the map items'.
      "warning lit: the literal 5 is an int and feeds 'x: str' of as_text(): the function is called with an int value, on Airflow and on Kubeflow alike, which its annotation does not allow | pass a string there, or annotate 'x' as int",
      "warning lit_text: item 0 of the list that task 'lit_text' maps over (the literal 1) is an int and feeds 'x: str' of as_text(): the function is called with an int value, on Airflow and on Kubeflow alike, which its annotation does not allow | make every item a string, or annotate 'x' as int",
      // Items of several kinds: the first refused one is named, and no one plain type takes all.
      "warning mixed: item 1 of the list that task 'mixed' maps over (the literal 2.5) is a float and feeds 'x: str' of as_text(): the function is called with a float value, on Airflow and on Kubeflow alike, which its annotation does not allow | make every item a string",
      "warning dicts: item 0 of the list that task 'dicts' maps over (a literal dict) is a dict and feeds 'x: float' of as_float(): the function is called with a dict value, on Airflow and on Kubeflow alike, which its annotation does not allow | make every item a float, or annotate 'x' as dict",
      "warning rows: item 1 of the list that task 'rows' maps over (the literal \"x\") is a string and feeds 'rows: Optional[list]' of maybe_rows(): the function is called with a string value, on Airflow and on Kubeflow alike, which its annotation does not allow | make every item a list",
      // Bools: a bool annotation, though an int would take them too.
      "warning flags: item 0 of the list that task 'flags' maps over (the literal true) is a bool and feeds 'x: str' of as_text(): the function is called with a bool value, on Airflow and on Kubeflow alike, which its annotation does not allow | make every item a string, or annotate 'x' as bool",
    ]);
  });

  it("items the annotation takes, as Python's typing does, or a parameter without one, are fine", () => {
    const ir = pipeline("items", { params: { names: ["a"] } }, (p) => {
      // An int is a float, a bool an int.
      p.map("numbers", { fn: "tasks/steps.py:as_float", over: [1, 2.5, true], as: "x" });
      p.map("texts", { fn: "tasks/steps.py:as_text", over: ["a", "b"], as: "x" });
      p.map("untyped", { fn: "tasks/steps.py:anything", over: [1, "a", [2]], as: "x" });
      p.map("lists", { fn: "tasks/steps.py:maybe_rows", over: [[1], [2, 3]], as: "rows" });
      // A list param's items are known only when the run starts.
      p.map("param", { fn: "tasks/steps.py:as_text", over: p.params.names, as: "x" });
    }).ir;
    expect(said(ir, "MLG1026")).toEqual([]);
  });
});
