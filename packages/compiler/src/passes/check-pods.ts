/**
 * A pod's placement and volumes, where Kubernetes would refuse the pod (a name or key it does
 * not take, two mounts at one path, two volumes of one name) when the run reaches the task, or
 * where they would quietly hide each other: a container task's pod on every target (MLG1011),
 * a python task's Kubeflow pod with the Kubeflow settings.
 */
import {
  diagnostic,
  type Pipeline,
  type PodPlacement,
  type Toleration,
  taskPod,
} from "@mlgen/core";
import {
  LABEL_RULE,
  labelProblem,
  labelValueProblem,
  mountPathKey,
  qualifiedNameProblem,
  SUBDOMAIN_RULE,
  subdomainProblem,
} from "../k8s-names.js";
import { QUANTITY } from "../quantity.js";
import { type PassContext, taskPlace } from "./context.js";

export type PodProblem = (what: string, reason: string, hint: string) => void;

/** Every container task's pod (a python task's Kubeflow pod is checked by the Kubeflow target). */
export function checkContainerPods(ir: Pipeline, ctx: PassContext): void {
  for (const task of ir.tasks) {
    if (task.kind !== "container") continue;
    const pod = taskPod(task);
    if (!pod) continue;
    const place = taskPlace(ctx, ir.id, task.id);
    const problem: PodProblem = (what, reason, hint) =>
      ctx.report(diagnostic("MLG1011", { what, reason, hint }, place));
    if (task.serviceAccountName !== undefined) {
      const wrong = subdomainProblem(task.serviceAccountName);
      if (wrong !== null) {
        problem(
          `serviceAccountName of task '${task.id}'`,
          `'${task.serviceAccountName}' is no service account name: ${wrong}, so the pod is refused`,
          `give the name as kubectl get serviceaccounts lists it (${SUBDOMAIN_RULE})`,
        );
      }
    }
    checkPlacement(task.id, pod, "", problem);
    checkVolumes(task.id, pod, "", problem);
  }
}

/**
 * The node labels and tolerated taints of a pod, as the API server validates a pod's
 * nodeSelector and tolerations.
 */
export function checkPlacement(
  task: string,
  pod: PodPlacement,
  prefix: "" | "kubeflow.",
  problem: PodProblem,
): void {
  const of = ` of task '${task}'`;
  for (const [key, value] of Object.entries(pod.nodeSelector)) {
    const what = `${prefix}nodeSelector${of}`;
    const wrongKey = qualifiedNameProblem(key);
    if (wrongKey !== null) {
      problem(
        what,
        `'${key}' is no node label key: ${wrongKey}, so the pod is refused`,
        "give the label as kubectl get nodes --show-labels lists it, e.g. cloud.google.com/gke-nodepool",
      );
    }
    const wrongValue = labelValueProblem(value);
    if (wrongValue !== null) {
      problem(
        what,
        `${JSON.stringify(value)} (label ${key}) is no label value: ${wrongValue}, so the pod is refused`,
        "give the value as kubectl get nodes --show-labels lists it (letters, digits, '-', '_' and '.')",
      );
    }
  }
  pod.tolerations.forEach((t, i) => {
    const wrong = tolerationProblem(t);
    if (wrong !== null)
      problem(`${prefix}tolerations entry ${i + 1}${of}`, wrong.reason, wrong.hint);
  });
}

/** What Kubernetes refuses in a toleration, with the fix, or null. */
function tolerationProblem(t: Toleration): { reason: string; hint: string } | null {
  const exists = t.operator === "Exists";
  if (t.key === null && !exists) {
    return {
      reason: "it has no key, which tolerates every taint only with operator Exists",
      hint: 'name the taint\'s key (key: "nvidia.com/gpu"), or tolerate every taint with operator: "Exists"',
    };
  }
  if (t.key !== null) {
    const wrong = qualifiedNameProblem(t.key);
    if (wrong !== null) {
      return {
        reason: `'${t.key}' is no taint key: ${wrong}, so the pod is refused`,
        hint: "give the key as kubectl describe node lists the taint (key=value:effect)",
      };
    }
  }
  if (exists && t.value !== null && t.value !== "") {
    return {
      reason: `it has operator Exists and the value '${t.value}', and Kubernetes refuses a value with Exists (any value is tolerated)`,
      hint: 'drop the value, or match it with operator: "Equal"',
    };
  }
  if (!exists && t.value !== null) {
    const wrong = labelValueProblem(t.value);
    if (wrong !== null) {
      return {
        reason: `${JSON.stringify(t.value)} is no taint value: ${wrong}, so the pod is refused`,
        hint: "give the value as kubectl describe node lists the taint (key=value:effect)",
      };
    }
  }
  if (t.tolerationSeconds !== null && t.effect !== "NoExecute") {
    return {
      reason: `it has tolerationSeconds with ${t.effect === null ? "every effect" : `effect ${t.effect}`}, and Kubernetes takes tolerationSeconds with effect NoExecute only (how long a running pod stays once tainted)`,
      hint: 'set effect: "NoExecute", or drop tolerationSeconds',
    };
  }
  return null;
}

/**
 * A pod's volumes: names Kubernetes takes (KFP names a claim's volume after the claim, and so
 * does KubernetesPodOperator here), absolute mount paths, one volume per path and per name, and
 * quantities for sizes.
 */
export function checkVolumes(
  task: string,
  pod: PodPlacement,
  prefix: "" | "kubeflow.",
  problem: PodProblem,
): void {
  const of = ` of task '${task}'`;
  /** Mount path (as compared) → what mounts there; volume name → what it names. */
  const paths = new Map<string, string>();
  const volumes = new Map<string, string>();
  const mount = (what: string, path: string) => {
    if (!path.startsWith("/")) {
      problem(
        what,
        `mountPath '${path}' is not absolute, and a pod mounts a volume at an absolute path`,
        `start it with '/', e.g. '/${path.replace(/^\.?\/*/, "") || "data"}'`,
      );
      return;
    }
    const key = mountPathKey(path);
    const before = paths.get(key);
    if (before !== undefined) {
      problem(
        what,
        `${before} is mounted at ${key} too, and Kubernetes refuses a pod with two volumes at one path`,
        "give each volume a path of its own",
      );
    } else if (key === "/kfp-launcher" || key.startsWith("/kfp-launcher/")) {
      problem(
        what,
        `mountPath '${path}' is where KFP mounts its launcher, which runs the task`,
        "mount the volume elsewhere, e.g. /data",
      );
    }
    paths.set(key, what);
  };
  const volume = (what: string, name: string) => {
    const before = volumes.get(name);
    if (before !== undefined) {
      problem(
        what,
        `${before} is a volume named '${name}' too, and each volume of a pod has a name of its own (KFP names a claim's volume after the claim)`,
        name !== "shm"
          ? "rename one of them, or mount one claim once"
          : what.includes("pvcs")
            ? "`shm` is the name of the shared-memory volume, and a claim's volume has the claim's name: drop shm from this pod, or mount a claim of another name"
            : "rename the emptyDir: `shm` is the name of the shared-memory volume",
      );
    } else if (name === "kfp-launcher") {
      problem(
        what,
        "'kfp-launcher' is the volume KFP adds to every pod for its launcher",
        "rename the volume",
      );
    }
    volumes.set(name, what);
  };
  if (pod.shm !== undefined) {
    const size = pod.shm;
    if (size !== true) checkSize(`${prefix}shm${of}`, size, problem);
    volume(`${prefix}shm${of}`, "shm");
    mount(`${prefix}shm${of}`, "/dev/shm");
  }
  (pod.pvcs ?? []).forEach((v, i) => {
    const what = `${prefix}pvcs entry ${i + 1}${of}`;
    // A claim's name may be a subdomain (dots, 253 characters), but KFP's driver names the
    // pod's volume after the claim, and a volume's name is a label.
    const wrong = labelProblem(v.name);
    if (wrong !== null) {
      problem(
        what,
        `'${v.name}' cannot name the pod's volume, which KFP names after the claim: ${wrong}`,
        `give the claim's name as kubectl get pvc lists it; KFP mounts a claim named with ${LABEL_RULE}`,
      );
    } else {
      volume(what, v.name);
    }
    mount(what, v.mountPath);
  });
  (pod.emptyDirs ?? []).forEach((v, i) => {
    const what = `${prefix}emptyDirs entry ${i + 1}${of}`;
    const wrong = labelProblem(v.name);
    if (wrong !== null) {
      problem(what, `'${v.name}' is no volume name: ${wrong}`, `rename the volume (${LABEL_RULE})`);
    } else {
      volume(what, v.name);
    }
    if (v.sizeLimit !== null) checkSize(`${what}'s sizeLimit`, v.sizeLimit, problem);
    mount(what, v.mountPath);
  });
}

/** A volume's size limit: a quantity of bytes (`500m` is half a byte, so `500Mi` was meant). */
function checkSize(what: string, size: string, problem: PodProblem): void {
  if (/^[0-9.]+m$/.test(size)) {
    problem(
      what,
      `${JSON.stringify(size)} is ${size.slice(0, -1)} thousandths of a byte (m is a thousandth)`,
      `write ${JSON.stringify(`${size.slice(0, -1)}Mi`)} (mebibytes) or ${JSON.stringify(`${size.slice(0, -1)}M`)} (megabytes)`,
    );
  } else if (!QUANTITY.test(size)) {
    problem(
      what,
      `${JSON.stringify(size)} is not a Kubernetes quantity, so the pod is refused`,
      'give bytes with a unit: "512Mi", "2Gi", "1G"',
    );
  }
}
