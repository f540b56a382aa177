/**
 * The Kubeflow settings of the project, the pipeline and its python tasks, checked where they
 * were given: what every python task's command carries (packages, kfp), and the images. Each
 * of these compiles into a spec that only fails when its pods start.
 */
import { type Diagnostic, diagnostic, type SourceLocation, taskKey } from "@mlgen/core";
import { urlCredential } from "../../passes/check-secrets.js";
import type { TargetInput } from "../../target.js";
import { type KubeflowSettings, requirementName } from "./executors.js";

/** One level's settings and where they were written. */
interface Level {
  /** ` in mlgen.config.ts`, ` of pipeline 'p'`, ` of task 't'`. */
  readonly where: string;
  readonly image: string | null;
  readonly packages: readonly string[];
  readonly task?: string | undefined;
  readonly location?: SourceLocation | undefined;
}

/**
 * An image reference as Kubernetes pulls it (distribution's grammar): an optional registry
 * host (with a dot or a port, or `localhost`), lowercase path components, an optional tag and
 * digest. `PyTorch/pytorch`, a space or an empty tag fail in the pod with InvalidImageName.
 */
const DOMAIN =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

export function imageProblem(image: string): string | null {
  if (/\s/.test(image)) return "it holds a space";
  let rest = image;
  const at = rest.indexOf("@");
  if (at >= 0) {
    if (!DIGEST.test(rest.slice(at + 1)))
      return `'${rest.slice(at + 1)}' is no digest (sha256:<hex>)`;
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    const tag = rest.slice(colon + 1);
    if (!TAG.test(tag)) return `'${tag}' is no tag (letters, digits, '_', '.', '-', at most 128)`;
    rest = rest.slice(0, colon);
  }
  const parts = rest.split("/");
  const first = parts[0] ?? "";
  // Docker would read a capitalized first component as a host too; here it is the typo it
  // almost always is (`PyTorch/pytorch`), and a registry host has a dot or a port.
  if (parts.length > 1 && (/[.:]/.test(first) || first === "localhost")) {
    if (!DOMAIN.test(first)) return `'${first}' is no registry host`;
    parts.shift();
  }
  const bad = parts.find((p) => !PATH_COMPONENT.test(p));
  if (bad !== undefined) {
    return /[A-Z]/.test(bad)
      ? `'${bad}' has capital letters, and a repository name is lowercase`
      : `'${bad}' is no repository name (lowercase letters and digits, separated by '.', '_' or '-')`;
  }
  return null;
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
            location: sourceMap.pipeline,
          },
        ]
      : []),
    ...ir.tasks.flatMap((t) =>
      t.kind === "python" && t.kubeflow
        ? [
            {
              where: ` of task '${t.id}'`,
              image: t.kubeflow.image,
              packages: t.kubeflow.packages,
              task: t.id,
              location: sourceMap[taskKey(t.id)],
            },
          ]
        : [],
    ),
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
