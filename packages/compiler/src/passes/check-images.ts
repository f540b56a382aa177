/**
 * Container images as Kubernetes pulls them: a container task's image (every target runs it in
 * a pod: KubernetesPodOperator on Airflow, a container executor on Kubeflow) and the Kubeflow
 * images of python tasks (checked with the Kubeflow settings).
 */
import { diagnostic, type Pipeline } from "@mlgen/core";
import { type PassContext, taskPlace } from "./context.js";

/**
 * An image reference as Kubernetes pulls it (distribution's grammar): an optional registry
 * host (with a dot or a port, or `localhost`), lowercase path components, an optional tag and
 * digest. `PyTorch/pytorch`, a space or an empty tag fail in the pod with InvalidImageName.
 */
/** A registry host given by its IPv6 address, in brackets as the reference grammar has it. */
const IPV6_HOST = /^\[[0-9A-Fa-f:]+(?:%\w+)?\](?::\d+)?$/;
const DOMAIN =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** What is wrong with an image name, or null when Kubernetes can pull by it. */
export function imageProblem(image: string): string | null {
  if (image === "") return "it is empty";
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
    if (!DOMAIN.test(first) && !IPV6_HOST.test(first)) return `'${first}' is no registry host`;
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

/** A container task's image that no pod can pull (one holding an Airflow template aside). */
export function checkImages(ir: Pipeline, ctx: PassContext): void {
  for (const t of ir.tasks) {
    // Rendered by KubernetesPodOperator on Airflow when the task runs; Kubeflow's check says
    // what it does there.
    if (t.kind !== "container" || /\{\{|\{%/.test(t.image)) continue;
    const wrong = imageProblem(t.image);
    if (wrong === null) continue;
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `image ${JSON.stringify(t.image)} of container task '${t.id}'`,
          reason: `${wrong}, so its pod fails with InvalidImageName, on Airflow (KubernetesPodOperator) and Kubeflow alike`,
          hint: "write the image as docker pull takes it: registry.example.com/team/name:tag, lowercase",
        },
        taskPlace(ctx, ir.id, t.id),
      ),
    );
  }
}
