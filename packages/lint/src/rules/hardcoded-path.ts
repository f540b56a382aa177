import { type Json, taskValues, visitValue } from "@mlgen/core/light";
import { taskTexts } from "../dsl.js";
import { localPaths } from "../paths.js";
import { PATH_CALLS } from "../python/analyze.js";
import type { PyNode } from "../python/node.js";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

const NOT_WORKER_PATHS: ReadonlySet<string> = new Set([
  "doc",
  "doc_md",
  "doc_rst",
  "doc_json",
  "doc_yaml",
  "endpoint",
  // A cache Airflow creates itself on the worker (python.py _ensure_venv_cache_exists).
  "venv_cache_path",
]);
/** Operators and TaskFlow decorators whose command and code run in a container of their own. */
const IN_CONTAINER =
  /^(?:@task\.(?:docker|kubernetes)|KubernetesPodOperator|GKEStartPodOperator|EksPodOperator|DockerOperator|DockerSwarmOperator|EcsRunTaskOperator|SparkKubernetesOperator|KubernetesJobOperator)$/;

/**
 * Operators whose paths are on another host (SFTP, SSH, FTP, HDFS), not the worker's, or in a
 * service or cluster the task submits work to: Databricks workspace and DBFS paths
 * (`/Users/...`, `/mnt/...`), EMR steps and EMR Serverless/EKS jobs, Dataproc jobs and batches,
 * AWS Batch and Azure Batch jobs, SageMaker (not Glue: GlueJobOperator uploads a local
 * script_location from the worker).
 */
const ON_REMOTE_HOST =
  /^(?:SFTP\w*|\w*ToSFTPOperator|SSHOperator|SSHRemoteJobOperator|FTPS?\w*|\w*ToFTPS?Operator|WebHdfsSensor|WebHDFSHook|Hdfs\w*Sensor|HdfsSensor|\w*HDFS\w*Operator|\w*Hdfs\w*Operator|Databricks\w*Operator|Emr\w*Operator|Dataproc\w*Operator|BatchOperator|AzureBatchOperator|SageMaker\w*Operator)$/;

/** A string passed to urljoin (`urljoin(API, "/data/latest")`): a URL's path, not a file's. */
function urlPart(source: string, node: PyNode): boolean {
  const args = node.parent;
  const call = args?.name === "ArgList" ? args.parent : null;
  const callee = call?.name === "CallExpression" ? call.firstChild : null;
  return callee !== null && callee !== undefined && /(?:^|\.)urljoin$/.test(textOf(source, callee));
}

/**
 * A string after `+` in a concatenation (`"s3://" + bucket + "/data/raw/"`) continues what comes
 * before it: a path at its start is no absolute path of its own.
 */
function continuesConcatenation(source: string, node: PyNode): boolean {
  const parent = node.parent;
  if (parent?.name !== "BinaryExpression" || parent.firstChild?.from === node.from) return false;
  const op = parent.firstChild?.nextSibling;
  return op !== null && op !== undefined && textOf(source, op) === "+";
}

/**
 * Lookups whose arguments after the first are a fallback for a setting read at run time: also a
 * Variable through the task context, `var["value"].get(...)` or `context["var"]["value"].get(...)`
 * (what mlgen's DAG files write for a DSL `variable(name, default)`).
 */
const FALLBACK_LOOKUP =
  /(?:^|\.)(?:Variable\.get|environ\.get|environ\.setdefault|getenv)$|(?:^|\.|\[["']var["']\])(?:var)?(?:\[["']value["']\]|\.value)\.get$/;

/** Where `{{ var.value.get('name', '<fallback>') }}` in a template gives a fallback, as offsets. */
function templateFallbacks(raw: string): [from: number, to: number][] {
  if (!raw.includes("var.value.get")) return [];
  const out: [number, number][] = [];
  for (const m of raw.matchAll(/\bvar\.value\.get\(\s*(['"])[^'"]*\1\s*,\s*(['"])([^'"]*)\2/g)) {
    const to = m.index + m[0].length - 1;
    out.push([to - (m[3] ?? "").length, to]);
  }
  return out;
}

/**
 * A string given as the fallback of a setting (`Variable.get("data_dir", default_var="/data")`,
 * `os.environ.get("OUT", "/tmp/out")`, `os.getenv(...)`): the value is already read when the task
 * runs, as the rule asks (and as a DSL `variable(name, default)` is not reported either).
 */
function isFallback(source: string, node: PyNode): boolean {
  const args = node.parent;
  const callee = args?.name === "ArgList" ? args.parent?.firstChild : null;
  if (!args || !callee || !FALLBACK_LOOKUP.test(textOf(source, callee).replace(/\s+/g, ""))) {
    return false;
  }
  let first = args.firstChild?.nextSibling ?? null;
  while (first?.name === "Comment") first = first.nextSibling;
  return first !== null && first.from !== node.from;
}

/** A string literal's prefix and opening quote(s). */
const OPENING = /^[A-Za-z]*("""|'''|"|')/;

/**
 * `os.path.join("/tmp", "x.csv")`, `Path("/tmp") / name`: the temp folder alone is every host's
 * (localPaths lets it pass), but a path made under it is one host's.
 */
function joinedUnderTmp(source: string, node: PyNode, raw: string): boolean {
  // The literal `/tmp` with its quotes and a prefix (rb"""/tmp""") is 12 characters at most;
  // most strings are asked here, as most hold no path.
  if (raw.length > 12 || !raw.includes("/tmp")) return false;
  const opening = OPENING.exec(raw)?.[0] ?? "";
  if (raw.slice(opening.length) !== `/tmp${opening.replace(/^[A-Za-z]*/, "")}`) return false;
  const args = node.parent;
  const call = args?.name === "ArgList" ? args.parent : null;
  if (!args || call?.name !== "CallExpression" || !call.firstChild) return false;
  if (!PATH_CALLS.test(textOf(source, call.firstChild).replace(/\s+/g, ""))) return false;
  let first = args.firstChild?.nextSibling ?? null;
  while (first?.name === "Comment") first = first.nextSibling;
  if (first?.from !== node.from) return false;
  // More parts after it: in the call (join), or after a `/` (pathlib).
  const more = first.nextSibling?.name === "," && first.nextSibling.nextSibling?.name !== ")";
  const op = call.parent?.name === "BinaryExpression" ? call.nextSibling : null;
  return more || (op !== null && op !== undefined && textOf(source, op) === "/");
}

/**
 * What a fixed path risks. A folder of one host's need not exist on the workers; the temp folder
 * is every host's, and the risk there is sharing it: two runs (or two tasks on one worker) write
 * the same file, and a task on another worker does not find what an earlier task left there.
 */
function pathRisk(path: string): string {
  return isTmp(path)
    ? "a fixed temp path: two runs (or two tasks on one worker) write the same file at once, and a task on another worker does not find what an earlier task left there"
    : "which need not exist on the Airflow workers";
}

const isTmp = (path: string) => /^\/tmp(?:\/|$)/.test(path);

/** The fix for a fixed temp path in a DAG file (Python code or a shell command). */
const TMP_HINT =
  "make a fresh folder in the task that uses it and remove it there: tempfile.mkdtemp() in Python, $(mktemp -d) in a shell command; data another task reads belongs in a location every worker reaches, read when the task runs (Variable.get('data_dir'), os.environ, {{ var.value.data_dir }})";

/** The strings in JSON data (a list or object param's default), in order. */
function jsonStrings(value: Json): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return (Array.isArray(value) ? value : Object.values(value)).flatMap(jsonStrings);
}

export const hardcodedPath = defineRule({
  id: "hardcoded-path",
  code: "MLG2002",
  defaultSeverity: "warning",
  description:
    "an absolute local path (/Users/…, /home/…, /tmp/…, /data/…, C:\\…) in a value that reaches a task",
  checkPipeline({ ir }, report) {
    for (const task of ir.tasks) {
      // A container task's command, arguments and env are the pod's: paths in its image or
      // mounts, as the KubernetesPodOperator it compiles to is not checked in DAG files.
      if (task.kind === "container") continue;
      const values = taskValues(task);
      if (task.kind === "python" && task.mlflow?.trackingUri) {
        values.push(["mlflow.trackingUri", task.mlflow.trackingUri]);
      }
      // A param's default is a literal too: scheduled runs, which pass no conf, get it.
      const params = new Set<string>();
      for (const [, value] of values) {
        visitValue(value, (v) => {
          if (v.kind === "param") params.add(v.name);
        });
      }
      const texts = taskTexts(task, values);
      for (const name of params) {
        for (const text of jsonStrings(ir.params[name]?.default ?? null)) {
          texts.push([`the default of param '${name}'`, text]);
        }
      }
      for (const [where, text] of texts) {
        for (const m of localPaths(text)) {
          report(
            {
              where,
              task: task.id,
              path: m.path,
              risk: pathRisk(m.path),
              hint: isTmp(m.path)
                ? "make a fresh folder in the task that uses it and remove it there (tempfile.mkdtemp() in a python task, $(mktemp -d) in a bash command); for data another task reads, a location every worker reaches: env('DATA_DIR') or variable('data_dir', default), then .join('file.csv')"
                : "read it when the task runs: env('DATA_DIR') or variable('data_dir', default), then .join('file.csv')",
            },
            `task:${task.id}`,
          );
        }
      }
    }
  },
  checkPython(file, report) {
    const seen = new Set<string>();
    // Text that names no path of the workers: docs, an HTTP endpoint on a remote server, and
    // whatever runs in a container (a pod's mounts, a command or script inside the image).
    const operators = new Map(file.tasks.map((t) => [t.id, t.operator]));
    const elsewhere = new Set(
      [...operators]
        .filter(([, operator]) => IN_CONTAINER.test(operator) || ON_REMOTE_HOST.test(operator))
        .map(([id]) => id),
    );
    for (const s of file.strings) {
      if (NOT_WORKER_PATHS.has(s.where) || elsewhere.has(s.task)) continue;
      const raw = textOf(file.source, s.node);
      // In a raw string (r"C:\new") a backslash is only a backslash.
      // The string's text starts after its prefix and opening quote(s).
      const opening = OPENING.exec(raw)?.[0].length ?? 0;
      const found = localPaths(raw, !/^[A-Za-z]*[rR]/.test(raw));
      const matches =
        found.length === 0 && joinedUnderTmp(file.source, s.node, raw)
          ? [{ from: opening, to: opening + 4, path: "/tmp/…" }]
          : found;
      // Most strings hold no path: the tree is asked about the rest only.
      if (matches.length === 0 || isFallback(file.source, s.node) || urlPart(file.source, s.node)) {
        continue;
      }
      const continued = matches[0]?.from === opening && continuesConcatenation(file.source, s.node);
      const fallbacks = templateFallbacks(raw);
      for (const m of matches) {
        if (continued && m.from === opening) continue;
        if (fallbacks.some(([from, to]) => m.from >= from && m.to <= to)) continue;
        const key = `${s.node.from + m.from}:${s.task}`;
        if (seen.has(key)) continue;
        seen.add(key);
        report(
          {
            where: s.where,
            task: s.task,
            path: m.path.replace(/\\\\/g, "\\"),
            risk: pathRisk(m.path),
            hint: s.where.startsWith("the default of param ")
              ? "every run triggered without that param in its conf gets the default: make it a location every worker reaches (s3://…, gs://…), or read it when the task runs (Variable.get('data_dir'), os.environ)"
              : isTmp(m.path)
                ? TMP_HINT
                : "read it when the task runs: Variable.get('data_dir') or os.environ inside the task, or {{ var.value.data_dir }} in a templated field",
          },
          file.lines.span(s.node.from + m.from, s.node.from + m.to),
        );
      }
    }
    // A template file is its argument's value (`sql="sql/load.sql"`): its paths reach the task as
    // an inline template's would. Comments (SQL's, the shell's, Jinja's) reach nothing.
    for (const t of file.templates) {
      const task = file.tasks[t.task];
      if (!task || NOT_WORKER_PATHS.has(t.arg) || elsewhere.has(task.id)) continue;
      const shell = /\.(?:sh|bash)$/i.test(t.file);
      const comments = commentRanges(t.text, shell);
      for (const m of localPaths(t.text)) {
        if (comments.some(([from, to]) => m.from >= from && m.from < to)) continue;
        // SQL's pattern after LIKE (`source NOT LIKE '/tmp/%'`) is compared with, not read.
        if (!shell && SQL_PATTERN.test(t.text.slice(Math.max(0, m.from - 40), m.from))) continue;
        report(
          {
            where: t.arg,
            task: task.id,
            path: m.path,
            risk: pathRisk(m.path),
            hint:
              shell && isTmp(m.path)
                ? "make a fresh folder in the script and remove it there: $(mktemp -d); data another task reads belongs in a location every worker reaches: {{ var.value.data_dir }} or {{ params.data_dir }} in the template"
                : "read it when the task runs: {{ var.value.data_dir }} or {{ params.data_dir }} in the template, or a location every worker reaches (s3://…, gs://…)",
          },
          { ...t.lines.span(m.from, m.to), file: t.file },
        );
      }
    }
  },
});

/** The text before a SQL string that is a pattern: `LIKE '`, `ILIKE '`, `SIMILAR TO '`. */
const SQL_PATTERN = /\b(?:I?LIKE|SIMILAR\s+TO)\s+(?:E|N)?'$/i;

/**
 * Where the comments of a template file are: Jinja's `{# #}`, and SQL's `--` and `/* *\/`, or
 * for a shell script `#` at the start of a word. Quoted text is no comment.
 */
function commentRanges(text: string, shell: boolean): [number, number][] {
  const out: [number, number][] = [];
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === quote) quote = null;
      continue;
    }
    let end = -1;
    if (c === "{" && text[i + 1] === "#") {
      const close = text.indexOf("#}", i + 2);
      end = close < 0 ? text.length : close + 2;
    } else if (!shell && c === "-" && text[i + 1] === "-") {
      const nl = text.indexOf("\n", i);
      end = nl < 0 ? text.length : nl;
    } else if (!shell && c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      end = close < 0 ? text.length : close + 2;
    } else if (shell && c === "#" && (i === 0 || /\s/.test(text[i - 1] as string))) {
      const nl = text.indexOf("\n", i);
      end = nl < 0 ? text.length : nl;
    } else if (c === "'" || c === '"') {
      quote = c;
      continue;
    }
    if (end >= 0) {
      out.push([i, end]);
      i = end - 1;
    }
  }
  return out;
}
