/**
 * Where a container task's pod runs and what it mounts (nodeSelector, tolerations, pvcs,
 * emptyDirs, shm, serviceAccountName): carried to KubernetesPodOperator and to the Kubeflow
 * platform spec, and checked for every target as Kubernetes checks a pod (passes/check-pods.ts).
 * The engine tests prove the output: the pod the real provider builds (airflow-dags) and kfp's
 * own compile of the twin (kfp-equivalence, kfp-eq-containers).
 */
import { describe, expect, it } from "vitest";
import { pipeline } from "../../dsl/src/index.js";
import { airflowTarget, kubeflowTarget, lowerPipeline } from "../src/index.js";

const lower = (ir: unknown) => lowerPipeline({ ir, sourceMap: {}, modules: new Map() });

/** The target's input for a pipeline that lowers without errors. */
function input(ir: unknown) {
  const r = lower(ir);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return { ...r, sourceFile: "pipelines/p.pipeline.ts", sourceMap: {}, pythonFiles: [] };
}

const gpuPool = () =>
  pipeline("gpu_pool", {}, (p) => {
    p.container("train", {
      image: "ghcr.io/acme/trainer:2.1",
      command: ["python", "-m", "train"],
      nodeSelector: { "cloud.google.com/gke-accelerator": "nvidia-l4" },
      tolerations: [
        { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
        { operator: "Exists" },
      ],
      pvcs: [{ name: "training-data", mountPath: "/data" }],
      emptyDirs: [{ name: "scratch", mountPath: "/scratch", medium: "Memory" }],
      shm: true,
      serviceAccountName: "trainer",
    });
    p.container("plain", { image: "alpine:3.20", command: ["true"] });
  });

describe("a container task's pod placement", () => {
  it("is in the IR only when set, so a container task that sets none keeps its hash", () => {
    const { ir, problems } = gpuPool();
    expect(problems).toEqual([]);
    const [train, plain] = ir.tasks;
    expect(train).toMatchObject({
      nodeSelector: { "cloud.google.com/gke-accelerator": "nvidia-l4" },
      tolerations: [
        {
          key: "nvidia.com/gpu",
          operator: "Exists",
          value: null,
          effect: "NoSchedule",
          tolerationSeconds: null,
        },
        { key: null, operator: "Exists", value: null, effect: null, tolerationSeconds: null },
      ],
      pvcs: [{ name: "training-data", mountPath: "/data" }],
      emptyDirs: [{ name: "scratch", mountPath: "/scratch", medium: "Memory", sizeLimit: null }],
      shm: true,
      serviceAccountName: "trainer",
    });
    for (const key of [
      "nodeSelector",
      "tolerations",
      "pvcs",
      "emptyDirs",
      "shm",
      "serviceAccountName",
    ]) {
      expect(plain).not.toHaveProperty(key);
    }
  });

  it("reaches KubernetesPodOperator on Airflow 3 and 2: node_selector, tolerations, volumes and their mounts, service_account_name", () => {
    for (const version of [3, 2] as const) {
      const [file] = airflowTarget.emit({
        ...input(gpuPool().ir),
        settings: { airflowVersion: version },
      } as never);
      const text = file?.content ?? "";
      expect(text).toContain(`node_selector={"cloud.google.com/gke-accelerator": "nvidia-l4"},`);
      expect(text).toContain(
        [
          "        tolerations=[",
          `            k8s.V1Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule"),`,
          `            k8s.V1Toleration(operator="Exists"),`,
          "        ],",
        ].join("\n"),
      );
      // Shared memory first, then the claims and the emptyDirs in the order written.
      expect(text).toContain(
        [
          "        volumes=[",
          `            k8s.V1Volume(name="shm", empty_dir=k8s.V1EmptyDirVolumeSource(medium="Memory")),`,
          `            k8s.V1Volume(name="training-data", persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(claim_name="training-data")),`,
          `            k8s.V1Volume(name="scratch", empty_dir=k8s.V1EmptyDirVolumeSource(medium="Memory")),`,
          "        ],",
          "        volume_mounts=[",
          `            k8s.V1VolumeMount(name="shm", mount_path="/dev/shm"),`,
          `            k8s.V1VolumeMount(name="training-data", mount_path="/data"),`,
          `            k8s.V1VolumeMount(name="scratch", mount_path="/scratch"),`,
          "        ],",
          `        service_account_name="trainer",`,
        ].join("\n"),
      );
      // The task without placement has none of it.
      const plain = text.slice(text.indexOf('task_id="plain"'));
      expect(plain.slice(0, plain.indexOf(")\n"))).not.toMatch(
        /node_selector|tolerations|volumes|service_account_name/,
      );
    }
  });

  it("reaches the Kubeflow platform spec; a service account is the run's there (MLG3002)", () => {
    const target = input(gpuPool().ir);
    const said = kubeflowTarget
      .validate(target)
      .filter((d) => d.code.startsWith("MLG3"))
      .map((d) => `${d.severity} ${d.task}: ${d.message} | ${d.fix}`);
    expect(said).toEqual([
      `warning train: serviceAccountName 'trainer' of 'train' is approximated for Kubeflow Pipelines: every pod of a KFP run runs as the run's service account (KFP has no per-task one) | submit the run as it: kfp.Client().create_run_from_pipeline_package(..., service_account="trainer") (\`--strict\` makes this an error; \`// mlgen-disable-next-line MLG3002\` above the call accepts it)`,
    ]);
    const [file] = kubeflowTarget.emit(target);
    const platform = (file?.content ?? "").split("\n---\n")[1] ?? "";
    expect(platform).toContain("exec-train:");
    for (const text of [
      "nodeSelector:\n            labels:\n              cloud.google.com/gke-accelerator: nvidia-l4",
      "constant: training-data",
      'mountPath: "/dev/shm"',
      'mountPath: "/scratch"',
      "operator: Exists",
    ]) {
      expect(platform).toContain(text);
    }
    expect(platform).not.toContain("exec-plain:");
  });
});

describe("a pod Kubernetes would refuse", () => {
  it("is MLG1011 at the container task for every target, naming what and the fix", () => {
    const { ir, problems } = pipeline("bad_pods", {}, (p) => {
      p.container("train", {
        image: "alpine:3.20",
        command: ["true"],
        nodeSelector: { "gpu type": "l4", "node.example.com/pool": "a b" },
        tolerations: [
          { value: "x" },
          { key: "gpu", operator: "Exists", value: "l4" },
          { key: "gpu", effect: "NoSchedule", tolerationSeconds: 60 },
          { key: "-gpu", operator: "Exists" },
          { key: "spot", value: "true", effect: "NoExecute", tolerationSeconds: 300 },
        ],
        pvcs: [
          { name: "Data", mountPath: "/data" },
          { name: "cache", mountPath: "/data/" },
        ],
        emptyDirs: [{ name: "shm", mountPath: "/tmp/shm", sizeLimit: "64m" }],
        shm: "1Gi",
      });
    });
    expect(problems).toEqual([]);
    const r = lower(ir);
    expect(r.ok).toBe(false);
    expect(
      r.diagnostics.map((d) => `${d.code} ${d.severity} ${d.task}: ${d.message} | ${d.fix}`),
    ).toEqual([
      "MLG1011 error train: invalid nodeSelector of task 'train': 'gpu type' is no node label key: it has a space, so the pod is refused | give the label as kubectl get nodes --show-labels lists it, e.g. cloud.google.com/gke-nodepool",
      `MLG1011 error train: invalid nodeSelector of task 'train': "a b" (label node.example.com/pool) is no label value: it has a space, so the pod is refused | give the value as kubectl get nodes --show-labels lists it (letters, digits, '-', '_' and '.')`,
      `MLG1011 error train: invalid tolerations entry 1 of task 'train': it has no key, which tolerates every taint only with operator Exists | name the taint's key (key: "nvidia.com/gpu"), or tolerate every taint with operator: "Exists"`,
      `MLG1011 error train: invalid tolerations entry 2 of task 'train': it has operator Exists and the value 'l4', and Kubernetes refuses a value with Exists (any value is tolerated) | drop the value, or match it with operator: "Equal"`,
      `MLG1011 error train: invalid tolerations entry 3 of task 'train': it has tolerationSeconds with effect NoSchedule, and Kubernetes takes tolerationSeconds with effect NoExecute only (how long a running pod stays once tainted) | set effect: "NoExecute", or drop tolerationSeconds`,
      "MLG1011 error train: invalid tolerations entry 4 of task 'train': '-gpu' is no taint key: it starts with '-', so the pod is refused | give the key as kubectl describe node lists the taint (key=value:effect)",
      "MLG1011 error train: invalid pvcs entry 1 of task 'train': 'Data' cannot name the pod's volume, which KFP names after the claim: it has the capital letter 'D' | give the claim's name as kubectl get pvc lists it; KFP mounts a claim named with at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
      "MLG1011 error train: invalid pvcs entry 2 of task 'train': pvcs entry 1 of task 'train' is mounted at /data too, and Kubernetes refuses a pod with two volumes at one path | give each volume a path of its own",
      "MLG1011 error train: invalid emptyDirs entry 1 of task 'train': shm of task 'train' is a volume named 'shm' too, and each volume of a pod has a name of its own (KFP names a claim's volume after the claim) | rename the emptyDir: `shm` is the name of the shared-memory volume",
      `MLG1011 error train: invalid emptyDirs entry 1 of task 'train''s sizeLimit: "64m" is 64 thousandths of a byte (m is a thousandth) | write "64Mi" (mebibytes) or "64M" (megabytes)`,
    ]);
  });
});

describe("a pod Kubernetes would refuse, more", () => {
  it("a service account name that is no subdomain, and a claim named shm beside shared memory", () => {
    const { ir } = pipeline("bad_sa", {}, (p) => {
      p.container("train", {
        image: "alpine:3.20",
        command: ["true"],
        serviceAccountName: "ML_Trainer",
        shm: true,
        pvcs: [{ name: "shm", mountPath: "/data" }],
      });
    });
    expect(lower(ir).diagnostics.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      "invalid serviceAccountName of task 'train': 'ML_Trainer' is no service account name: it has the capital letter 'M', so the pod is refused | give the name as kubectl get serviceaccounts lists it (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)",
      "invalid pvcs entry 1 of task 'train': shm of task 'train' is a volume named 'shm' too, and each volume of a pod has a name of its own (KFP names a claim's volume after the claim) | `shm` is the name of the shared-memory volume, and a claim's volume has the claim's name: drop shm from this pod, or mount a claim of another name",
    ]);
  });
});

describe("the pod settings as written", () => {
  it("a typo or KubernetesPodOperator's name is MLG1022 with what to write", () => {
    const { problems } = pipeline("typos", {}, (p) => {
      p.container("train", {
        image: "alpine:3.20",
        command: ["true"],
        tolerations: [{ kye: "gpu", operator: "Exists" } as never],
        pvcs: [{ name: "data", mount_path: "/data" } as never],
        ...({ volumes: [], service_account_name: "x" } as object),
      });
      p.python("fit", {
        fn: "tasks/steps.py:fit",
        ...({ nodeSelector: { pool: "gpu" } } as object),
      });
    });
    expect(problems.map((d) => `${d.code} ${d.task}: ${d.message} | ${d.fix}`)).toEqual([
      "MLG1022 train: there is no option 'volumes' in task 'train', so it would be ignored | mount them with pvcs: [{ name: \"<claim>\", mountPath: \"/data\" }], emptyDirs: [{ name, mountPath }] or shm: true (KubernetesPodOperator's volumes and volume_mounts in one)",
      "MLG1022 train: there is no option 'service_account_name' in task 'train', so it would be ignored | did you mean 'serviceAccountName'?",
      "MLG1022 train: there is no option 'kye' in toleration 1 of task 'train', so it would be ignored | did you mean 'key'?",
      "MLG1022 train: there is no option 'mount_path' in pvcs entry 1 of task 'train', so it would be ignored | did you mean 'mountPath'?",
      "MLG1022 fit: there is no option 'nodeSelector' in task 'fit', so it would be ignored | mlgen does not carry Airflow's node_selector on this kind of task (KubernetesPodOperator's): remove it (p.container() takes nodeSelector on every target; on Kubeflow, kubeflow: { nodeSelector } places a python task's pod)",
    ]);
  });

  it("a python task's kubeflow tolerations and node labels are checked as a container's", () => {
    const { ir } = pipeline("py_pods", {}, (p) => {
      p.python("fit", {
        fn: "tasks/steps.py:fit",
        kubeflow: {
          nodeSelector: { "pool/": "gpu" },
          tolerations: [{ key: "gpu", operator: "Exists", value: "l4" }],
        },
      });
    });
    const r = lowerPipeline({
      ir,
      sourceMap: {},
      modules: new Map([["tasks/steps.py", "def fit():\n    return None\n"]]),
    });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const said = kubeflowTarget
      .validate({ ...r, sourceFile: "p.ts", sourceMap: {}, pythonFiles: [] })
      .filter((d) => d.code === "MLG1011")
      .map((d) => `${d.task}: ${d.message}`);
    expect(said).toEqual([
      "fit: invalid kubeflow.nodeSelector of task 'fit': 'pool/' is no node label key: it is empty after '/', so the pod is refused",
      "fit: invalid kubeflow.tolerations entry 1 of task 'fit': it has operator Exists and the value 'l4', and Kubernetes refuses a value with Exists (any value is tolerated)",
    ]);
  });
});
