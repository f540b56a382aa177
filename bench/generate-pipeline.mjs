// Generates a synthetic but realistically shaped mlgen pipeline of `n` tasks.
//
// The DSL module is passed in (rather than imported here) so the same generator runs both in
// the benchmark process (built dist files) and inside a pipeline module loaded by `mlgen compile`.
//
// Shape: a layered DAG about sqrt(n) tasks wide and sqrt(n) layers deep. Layer 0 holds python
// "extract" tasks that read env()/variable() paths. Every later task takes 1-2 inputs from
// earlier tasks' outputs: one from the previous layer and, half the time, one from any earlier
// layer. About 1 task in 5 (layer 1 on) is a bash task that reads upstream outputs and a
// variable() through `env`; a few python tasks also get an order-only `.after()` edge on a bash
// task. Python tasks call one of 20 functions spread over 5 modules, declare 1-3 outputs, and
// some carry literals, a run-time param, env()/variable() paths and retry/timeout options.
// A seeded PRNG makes the pipeline identical on every run.

/** Modules the generated python tasks call: path -> Python source defining MODULE_FUNCTIONS. */
export const MODULE_COUNT = 5;
export const FUNCTIONS_PER_MODULE = 4;

export function modulePath(m) {
  return `tasks/stage_${m}.py`;
}

export function functionName(m, f) {
  return `step_${m}_${f}`;
}

/** Python sources for every module the pipeline references (a few lines per function). */
export function moduleSources() {
  const out = new Map();
  for (let m = 0; m < MODULE_COUNT; m++) {
    const lines = [`"""Stage ${m} of the benchmark pipeline."""`, "", "import json", ""];
    for (let f = 0; f < FUNCTIONS_PER_MODULE; f++) {
      lines.push(
        "",
        `def ${functionName(m, f)}(**inputs):`,
        `    """Benchmark step ${m}.${f}: echoes a summary of its inputs."""`,
        "    summary = json.dumps(inputs, sort_keys=True, default=str)",
        '    return {"path": f"/tmp/out_' +
          `${m}_${f}` +
          '.csv", "rows": len(summary), "score": 0.5, "meta": {}}',
        "",
      );
    }
    out.set(modulePath(m), lines.join("\n"));
  }
  return out;
}

/** mulberry32: tiny deterministic PRNG. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OUTPUT_SETS = [
  { path: "string" },
  { path: "string", rows: "int" },
  { path: "string", rows: "int", score: "float" },
  { score: "float", meta: "dict" },
];

/**
 * Builds the pipeline with the given DSL module (`@mlgen/dsl`). Returns the PipelineDefinition.
 * `n` is the exact number of tasks.
 */
export function buildPipeline(dsl, n, id = `bench_${n}_tasks`) {
  const { pipeline, env, variable, minutes, hours } = dsl;
  const random = rng(n * 7919 + 17);
  const pick = (arr) => arr[Math.floor(random() * arr.length)];
  const width = Math.max(2, Math.round(Math.sqrt(n)));

  return pipeline(
    id,
    {
      description: `Synthetic ${n}-task benchmark pipeline.`,
      schedule: "0 3 * * *",
      startDate: "2025-01-01",
      catchup: false,
      owner: "bench",
      tags: ["bench", "synthetic"],
      maxActiveRuns: 1,
      params: {
        run_label: { default: "nightly", description: "Label attached to every output." },
        sample_fraction: 0.25,
      },
      defaults: { retries: 2, retryDelay: minutes(5), executionTimeout: hours(2) },
    },
    (p) => {
      const dataDir = env("BENCH_DATA_DIR", "/opt/airflow/data");
      const bucket = variable("bench_bucket", "s3://bench");
      /** Per layer: handles of python task outputs ({ task, handle }) usable as inputs. */
      const layers = [];
      const bashTasks = [];
      let made = 0;
      for (let layer = 0; made < n; layer++) {
        const current = [];
        for (let k = 0; k < width && made < n; k++, made++) {
          const taskId = `l${layer}_t${k}`;
          const isBash = layer > 0 && random() < 0.2;
          // 1-2 data inputs from earlier layers.
          const refs = [];
          if (layer > 0) {
            refs.push(pick(layers[layer - 1]));
            if (random() < 0.5) refs.push(pick(pick(layers)));
          }
          if (isBash) {
            const envVars = {};
            refs.forEach((r, i) => {
              envVars[`IN_${i}`] = r.handle;
            });
            if (random() < 0.5) envVars.BUCKET = bucket.join("bash", taskId);
            const t = p.bash(taskId, {
              command: `echo "${taskId} for {{ ds }}: $IN_0" && test -n "$IN_0"`,
              env: envVars,
              ...(random() < 0.1 ? { retries: 0 } : {}),
            });
            bashTasks.push(t);
            continue;
          }
          const m = Math.floor(random() * MODULE_COUNT);
          const f = Math.floor(random() * FUNCTIONS_PER_MODULE);
          const inputs = {};
          refs.forEach((r, i) => {
            inputs[`in_${i}`] = r.handle;
          });
          if (layer === 0) inputs.source = dataDir.join("raw", `${taskId}.csv`);
          const extra = random();
          if (extra < 0.1) inputs.out_dir = bucket.join("out", taskId);
          else if (extra < 0.2) inputs.label = p.params.run_label;
          else if (extra < 0.35) inputs.columns = ["a", "b", "c"];
          else if (extra < 0.45)
            inputs.config = { threshold: 0.8, mode: "fast", limit: layer * 10 };
          const outputs = pick(OUTPUT_SETS);
          const options = random() < 0.1 ? { retries: 4, executionTimeout: minutes(30) } : {};
          const t = p.python(taskId, {
            fn: `${modulePath(m)}:${functionName(m, f)}`,
            inputs,
            outputs,
            ...options,
          });
          if (bashTasks.length > 0 && random() < 0.03) t.after(pick(bashTasks));
          for (const name of Object.keys(outputs))
            current.push({ task: taskId, handle: t.out[name] });
        }
        // A layer of only bash tasks has no outputs; reuse the previous layer's as "earlier".
        layers.push(current.length > 0 ? current : layers[layer - 1]);
      }
    },
  );
}
