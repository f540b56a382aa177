/**
 * The Kubeflow settings of the project, the pipeline and its python tasks, checked where they
 * were given: what every python task's command carries (packages, kfp), and the images. Each
 * of these compiles into a spec that only fails when its pods start.
 */

import type { KubeflowTaskSettings } from "@mlgen/core";
import {
  type Diagnostic,
  diagnostic,
  type SourceLocation,
  secretName,
  taskKey,
  taskKubeflow,
  urlCredential,
} from "@mlgen/core";
import { ENV_NAME, secretNameProblem } from "../../k8s-names.js";
import { imageProblem } from "../../passes/check-images.js";
import { checkPlacement, checkVolumes } from "../../passes/check-pods.js";
import type { TargetInput } from "../../target.js";
import { SLACK_VARIABLE } from "./component.js";
import { type KubeflowSettings, requirementName } from "./executors.js";

/** One level's settings and where they were written. */
interface Level {
  /** ` in mlgen.config.ts`, ` of pipeline 'p'`, ` of task 't'`. */
  readonly where: string;
  readonly image: string | null;
  readonly packages: readonly string[];
  readonly imagePullSecrets?: readonly string[] | undefined;
  readonly secretEnv?: KubeflowTaskSettings["secretEnv"];
  readonly task?: string | undefined;
  readonly location?: SourceLocation | undefined;
}

export function checkKubeflowSettings(input: TargetInput, project: KubeflowSettings): Diagnostic[] {
  const { ir, sourceMap } = input;
  const own = ir.kubeflow;
  const levels: Level[] = [
    { where: " in mlgen.config.ts", image: project.image, packages: project.packages },
    ...(own
      ? [
          {
            where: ` of pipeline '${ir.id}'`,
            image: own.image,
            packages: own.packages,
            imagePullSecrets: own.imagePullSecrets,
            secretEnv: own.secretEnv,
            location: sourceMap.pipeline,
          },
        ]
      : []),
    ...ir.tasks.flatMap((t) => {
      const kf = taskKubeflow(t);
      return kf
        ? [
            {
              where: ` of task '${t.id}'`,
              image: kf.image,
              packages: kf.packages,
              imagePullSecrets: kf.imagePullSecrets,
              secretEnv: kf.secretEnv,
              task: t.id,
              location: sourceMap[taskKey(t.id)],
            },
          ]
        : [];
    }),
  ];
  const out: Diagnostic[] = [];
  const problem = (level: Level, what: string, reason: string, hint: string) =>
    out.push(
      diagnostic(
        "MLG1011",
        { what, reason, hint },
        { pipeline: ir.id, task: level.task, location: level.location },
      ),
    );
  for (const level of levels) {
    const imageWrong = level.image === null ? null : imageProblem(level.image);
    if (imageWrong) {
      problem(
        level,
        `kubeflow.image${level.where}`,
        `${imageWrong}, so the pod fails with InvalidImageName`,
        "write the image as docker pull takes it: registry.example.com/team/name:tag, lowercase",
      );
    }
    const seen = new Map<string, number>();
    level.packages.forEach((pkg, i) => {
      const what = `entry ${i + 1} of kubeflow.packages${level.where}`;
      if (urlCredential(pkg)) {
        problem(
          level,
          what,
          "a URL in it holds a credential (user:password@, a token as the user name or in the query), and the packages are written into the command of every python task in the generated YAML",
          "keep the credential out of the spec: a private index in PIP_INDEX_URL or PIP_EXTRA_INDEX_URL given to the pods by kubeflow.secretEnv (pip reads them), or a kubeflow.image with the package installed",
        );
      }
      const name = requirementName(pkg);
      if (name === null) return;
      const before = seen.get(name);
      if (before !== undefined) {
        problem(
          level,
          what,
          `entry ${before + 1} names ${name} too, and pip refuses two requirements of one package that disagree`,
          "keep one requirement per package at each level (a task's own replaces the pipeline's and the project's)",
        );
      }
      seen.set(name, i);
    });
    (level.imagePullSecrets ?? []).forEach((name, i) => {
      const wrong = secretNameProblem(name);
      if (wrong === null) return;
      problem(
        level,
        `entry ${i + 1} of kubeflow.imagePullSecrets${level.where}`,
        wrong.reason,
        wrong.hint,
      );
    });
    for (const [name, ref] of Object.entries(level.secretEnv ?? {})) {
      checkSecretEnv(name, ref, level, (what, reason, hint) => problem(level, what, reason, hint));
    }
  }
  for (const t of ir.tasks) {
    const kf = taskKubeflow(t);
    if (!kf) continue;
    const level = levels.find((l) => l.task === t.id) as Level;
    // The secret variables the task's pod gets, from every level.
    const secrets = { ...project.secretEnv, ...own?.secretEnv, ...kf.secretEnv };
    checkPod(t.id, kf, secrets, (what, reason, hint) => problem(level, what, reason, hint));
  }
  // A container task's image holding an Airflow template is rendered by KubernetesPodOperator
  // on Airflow, and passed as written by Kubeflow (an unpullable one is checkImages').
  for (const t of ir.tasks) {
    if (t.kind !== "container") continue;
    const place = { pipeline: ir.id, task: t.id, location: sourceMap[taskKey(t.id)] };
    const what = `image ${JSON.stringify(t.image)} of container task '${t.id}'`;
    if (/\{\{|\{%/.test(t.image)) {
      out.push(
        diagnostic(
          "MLG3001",
          {
            what,
            target: "Kubeflow Pipelines",
            reason:
              "it holds an Airflow template, which Kubeflow does not render: the pod would pull an image of that name and fail with InvalidImageName",
            hint: 'write the image itself (registry.example.com/team/name:tag); one chosen per deployment can be read when the pipeline compiles: image: process.env.SCORER_IMAGE ?? "registry.example.com/team/scorer:1.0"',
          },
          place,
        ),
      );
    }
  }
  const configLevel = levels[0] as Level;
  if (urlCredential(project.kfpPackage)) {
    problem(
      configLevel,
      "kubeflow.kfpPackage in mlgen.config.ts",
      "a URL in it holds a credential (user:password@, a token as the user name or in the query), and it is written into the command of every python task in the generated YAML",
      "keep the credential out of the spec: a private index in PIP_INDEX_URL or PIP_EXTRA_INDEX_URL given to the pods by kubeflow.secretEnv (pip reads them), or a kubeflow.image with kfp installed and installKfp: false",
    );
  }
  if (/^\s*kfp\s*(?:===?|~=)\s*(?:0|1)\./i.test(project.kfpPackage)) {
    problem(
      configLevel,
      "kubeflow.kfpPackage in mlgen.config.ts",
      `${project.kfpPackage} is kfp 1, which has no kfp.dsl.executor_main: every python task would fail when it starts`,
      "use kfp 2 (the default, kfp==2.17.3), as the KFP v2 backend runs",
    );
  }
  return out;
}

type Problem = (what: string, reason: string, hint: string) => void;

/**
 * One entry of a pipeline's or a task's `kubeflow.secretEnv` (the config's are checked when it
 * loads): a name the pod takes, a secret Kubernetes can name, a key a secret can hold.
 */
function checkSecretEnv(
  name: string,
  ref: { readonly secret: string; readonly key: string },
  level: Level,
  problem: Problem,
): void {
  const what = `kubeflow.secretEnv.${name}${level.where}`;
  if (!ENV_NAME.test(name)) {
    problem(
      what,
      `'${name}' is no environment variable name a Python task can read (letters, digits and '_', not starting with a digit)`,
      "rename the variable, e.g. DB_PASSWORD",
    );
  }
  const wrong = secretNameProblem(ref.secret);
  if (wrong !== null) problem(what, wrong.reason, wrong.hint);
  if (!/^[-._a-zA-Z0-9]+$/.test(ref.key)) {
    problem(
      what,
      ref.key === ""
        ? "its key is empty"
        : `'${ref.key}' is no key a Kubernetes secret can have (letters, digits, '-', '_' and '.')`,
      "give the key in the secret that holds the value, as kubectl describe secret lists it",
    );
  }
  if (level.task !== undefined && SLACK_VARIABLE.test(name)) {
    problem(
      what,
      `${name} is a Slack webhook URL, which the alerts read in the exit handler's pod, not in this task's`,
      "set it in the pipeline's kubeflow.secretEnv or in mlgen.config.ts",
    );
  }
}

/**
 * A python task's pod: its variables and volumes, which Kubernetes refuses the pod over (a
 * name it does not take, two mounts at one path, two volumes of one name) when the run reaches
 * the task, or which would quietly hide each other.
 */
function checkPod(
  task: string,
  kf: KubeflowTaskSettings,
  secrets: Readonly<Record<string, unknown>>,
  problem: Problem,
): void {
  const of = ` of task '${task}'`;
  for (const { name, value } of kf.env ?? []) {
    if (!ENV_NAME.test(name)) {
      problem(
        `kubeflow.env${of}`,
        `'${name}' is no environment variable name a Python task can read (letters, digits and '_', not starting with a digit)`,
        "rename the variable, e.g. MY_SETTING",
      );
    } else if (name in secrets) {
      problem(
        `kubeflow.env${of}`,
        `${name} is also taken from a Kubernetes secret (kubeflow.secretEnv), and a pod with one variable set twice gets one of them unsaid`,
        `set ${name} in one place: drop it from the task's kubeflow.env, or from kubeflow.secretEnv`,
      );
    } else if (secretName(name) && value !== "" && !value.includes("$(")) {
      // Written into the spec as it is, where bash and container env under such a name are
      // refused (MLG1011); `$(OTHER)` is Kubernetes expanding a variable set before it.
      problem(
        `kubeflow.env${of}`,
        `the name ${name} says it holds a secret, and a literal value is written into the pipeline spec as it is`,
        `take it from a Kubernetes secret: kubeflow: { secretEnv: { ${name}: { secret: "<secret name>", key: "<key>" } } } on the task (its pod alone) or in mlgen.config.ts`,
      );
    }
  }
  checkPlacement(task, kf, "kubeflow.", problem);
  checkVolumes(task, kf, "kubeflow.", problem);
}
