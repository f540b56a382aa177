import { type DiagnosticCode, diagnostic } from "@mlgen/core/light";
import {
  compareFindings,
  type Finding,
  type Located,
  pointSpan,
  pythonSubject,
  type Span,
  subjectOf,
} from "./finding.js";
import { analyzeDagFile } from "./python/analyze.js";
import { literalDagIds } from "./python/dag-args.js";
import { fastParseNodes, MAX_NESTING } from "./python/fastparse.js";
import type { DagFile, ModuleLookup } from "./python/model.js";
import { type TemplateFiles, withTemplateFiles } from "./python/templates.js";
import { universalNewlines } from "./python/text.js";
import type { PipelineLintInput, Rule, RuleSettings } from "./rule.js";
import {
  type DagSchedule,
  dagSchedules,
  type ExternalWait,
  externalWaits,
  judgeWait,
} from "./rules/external-schedule-mismatch.js";
import {
  type DagTaskIds,
  dagTaskIds,
  type ExternalTaskRef,
  externalTaskRefs,
  judgeTaskRef,
  TASKLESS_MODULES,
} from "./rules/external-task-missing.js";
import { RULES } from "./rules/index.js";
import { type DagRef, dagIdsOf, dagRefs, judgeDagRef } from "./rules/missing-dag.js";
import {
  type DagParamNames,
  dagParamNames,
  judgeTriggerConf,
  type TriggerConf,
  triggerConfs,
} from "./rules/trigger-conf.js";
import { applySuppressions } from "./suppress.js";

export interface LintOptions {
  /** Severity per rule id; `off` disables a rule. Unlisted rules use their default. */
  readonly rules?: RuleSettings;
  /**
   * The Airflow the DAG files run on (default 3). On 3, a finding of what makes Airflow 3 refuse
   * the whole file (a removed argument, import or trigger rule) is an error unless the rule's
   * severity is set; on 2 it is the rule's migration note, unless Airflow 2 refuses it too
   * (`execution_timeout=3600`).
   */
  readonly airflowVersion?: 2 | 3;
  /**
   * The files linted together are a whole DAG folder (`mlgen lint dags/`), not some files of it
   * (the pre-commit hook's): a DAG id none of them defines is then one Airflow does not have
   * there (missing-dag). Default false.
   */
  readonly dagFolder?: boolean;
}

const DUPLICATE_DAG_ID = "duplicate-dag-id";
const EXTERNAL_SCHEDULE = "external-schedule-mismatch";
const EXTERNAL_TASK = "external-task-missing";
const TRIGGER_CONF = "trigger-conf";
const MISSING_DAG = "missing-dag";
const ACROSS_FILES =
  "Airflow keeps one DAG per id, so a DagBag of the folder refuses the later file (AirflowDagDuplicatedIdException), and the DAG processor, which parses each file on its own, stores whichever it parsed last: the DAG's tasks and schedule flip between the files";

/** Where a finding of a check across files would point, with its rule and severity. */
interface FindingAt extends Span {
  readonly file: string;
  readonly severity: Finding["severity"];
  /** For applySuppressions. */
  readonly ruleId: string;
  readonly code: string;
}

/**
 * A DAG of a file with a literal id, where a duplicate-dag-id finding would point if another
 * file defined the same id (made by findingsAcrossFiles).
 */
export interface DagIdAt extends FindingAt {
  readonly id: string;
}

/** An ExternalTaskSensor of a file, where its external-schedule-mismatch finding would point. */
export type WaitAt = ExternalWait & FindingAt;

/** An ExternalTaskSensor's task ids, where its external-task-missing finding would point. */
export type TaskRefAt = ExternalTaskRef & FindingAt & { readonly onAirflow3: boolean };

/** A TriggerDagRunOperator's conf keys, each where its trigger-conf finding would point. */
export type TriggerConfAt = Omit<TriggerConf, "keys"> & {
  readonly keys: readonly (TriggerConf["keys"][number] & FindingAt)[];
};

/** A task naming another DAG, where its missing-dag finding would point. */
export type DagRefAt = DagRef & FindingAt;

/** What a file tells the checks that read the files of a run together. */
export interface AcrossFiles {
  /** Its DAGs with literal ids (duplicate-dag-id). */
  readonly dagIds: readonly DagIdAt[];
  /**
   * For external-schedule-mismatch and external-task-missing: the literal ids of its DAGs (a
   * DAG defined in two files is not judged); their cron schedules and its sensors that wait for
   * other DAGs; their task ids, when the file shows them all, and the task ids its sensors name.
   */
  readonly ids: readonly string[];
  readonly schedules: readonly DagSchedule[];
  readonly waits: readonly WaitAt[];
  readonly taskIds: readonly DagTaskIds[];
  readonly taskRefs: readonly TaskRefAt[];
  /** For trigger-conf: its DAGs' params, when it shows them all, and its triggers' conf keys. */
  readonly params: readonly DagParamNames[];
  readonly triggers: readonly TriggerConfAt[];
  /**
   * For missing-dag: the ids of every DAG it defines; `idsHidden` when it may define DAGs whose
   * ids it does not show (dagIdsOf), or could not be analysed; its tasks that name a DAG by id.
   */
  readonly definedIds: readonly string[];
  readonly idsHidden: boolean;
  readonly dagRefs: readonly DagRefAt[];
}

/** What a file that could not be linted tells the checks across files: it may define any DAG. */
export const UNKNOWN_FILE: AcrossFiles = {
  dagIds: [],
  ids: [],
  schedules: [],
  waits: [],
  taskIds: [],
  taskRefs: [],
  params: [],
  triggers: [],
  definedIds: [],
  idsHidden: true,
  dagRefs: [],
};

/**
 * What only the files of one run together show, by file (each file's lintPythonDag `across`):
 * a DAG id that more than one file defines (duplicate-dag-id), a sensor waiting for a DAG
 * of another file at dates it never runs at (external-schedule-mismatch), a task naming a DAG
 * no file of the run defines (missing-dag), ...
 */
export function findingsAcrossFiles(
  across: readonly (AcrossFiles | undefined)[],
  dagFolder = false,
): Finding[][] {
  const out = duplicateDagIdFindings(across.map((a) => a?.dagIds));
  const schedules = new Map<string, { index: number; schedule: DagSchedule }[]>();
  across.forEach((a, index) => {
    for (const schedule of a?.schedules ?? []) {
      const list = schedules.get(schedule.id) ?? [];
      list.push({ index, schedule });
      schedules.set(schedule.id, list);
    }
  });
  const defined = new Map<string, number>();
  for (const a of across)
    for (const id of a?.ids ?? []) defined.set(id, (defined.get(id) ?? 0) + 1);
  const taskIds = new Map<string, { index: number; dag: DagTaskIds }[]>();
  across.forEach((a, index) => {
    for (const dag of a?.taskIds ?? []) {
      const list = taskIds.get(dag.id) ?? [];
      list.push({ index, dag });
      taskIds.set(dag.id, list);
    }
  });
  /** The one DAG `id` of another file than `index`'s, and no other DAG by that id anywhere. */
  const elsewhere = <T extends { index: number }>(
    list: readonly T[] | undefined,
    id: string,
    index: number,
  ): T | undefined => {
    // The same file's are its own check's; whichever DAG Airflow keeps of two by one id is
    // duplicate-dag-id's finding.
    if (list?.length !== 1 || list[0]?.index === index) return undefined;
    return (defined.get(id) ?? 1) > 1 ? undefined : list[0];
  };
  const params = new Map<string, { index: number; dag: DagParamNames }[]>();
  across.forEach((a, index) => {
    for (const dag of a?.params ?? []) {
      const list = params.get(dag.id) ?? [];
      list.push({ index, dag });
      params.set(dag.id, list);
    }
  });
  // missing-dag: only in a whole folder, every file of which shows the ids of its DAGs (a file
  // with nothing to tell, no across, has none).
  const shown = dagFolder && !across.some((a) => a?.idsHidden);
  const definedIds = new Set(across.flatMap((a) => a?.definedIds ?? []));
  const missingRule = RULES.find((r) => r.id === MISSING_DAG) as Rule;
  const rule = RULES.find((r) => r.id === EXTERNAL_SCHEDULE) as Rule;
  const taskRule = RULES.find((r) => r.id === EXTERNAL_TASK) as Rule;
  const confRule = RULES.find((r) => r.id === TRIGGER_CONF) as Rule;
  across.forEach((a, index) => {
    for (const wait of a?.waits ?? []) {
      const other = elsewhere(schedules.get(wait.target), wait.target, index);
      const args = other && judgeWait(wait, other.schedule);
      if (args) out[index]?.push(finding(rule, wait.severity, wait.file, wait, args));
    }
    for (const ref of a?.taskRefs ?? []) {
      const other = elsewhere(taskIds.get(ref.target), ref.target, index);
      const judged = other && judgeTaskRef(ref, other.dag);
      if (judged && (ref.onAirflow3 || !judged.onlyAirflow3))
        out[index]?.push(finding(taskRule, ref.severity, ref.file, ref, judged.args));
    }
    for (const trigger of a?.triggers ?? []) {
      const other = elsewhere(params.get(trigger.target), trigger.target, index);
      if (!other) continue;
      for (const { args, at } of judgeTriggerConf(trigger, other.dag)) {
        const key = trigger.keys.find((k) => k.line === at.line && k.column === at.column);
        if (key) out[index]?.push(finding(confRule, key.severity, key.file, at, args));
      }
    }
    for (const ref of shown ? (a?.dagRefs ?? []) : []) {
      const args = judgeDagRef(ref, definedIds);
      if (args) out[index]?.push(finding(missingRule, ref.severity, ref.file, ref, args));
    }
  });
  return out;
}

/** duplicate-dag-id across files: each id more than one file defines, reported in each. */
function duplicateDagIdFindings(dagIds: readonly (readonly DagIdAt[] | undefined)[]): Finding[][] {
  const where = new Map<string, { index: number; at: DagIdAt }[]>();
  dagIds.forEach((ids, index) => {
    for (const at of ids ?? []) {
      const list = where.get(at.id) ?? [];
      list.push({ index, at });
      where.set(at.id, list);
    }
  });
  const out: Finding[][] = dagIds.map(() => []);
  const rule = RULES.find((r) => r.id === DUPLICATE_DAG_ID) as Rule;
  for (const [id, list] of where) {
    const files = new Set(list.map((x) => x.index));
    if (files.size < 2) continue;
    for (const { index, at } of list) {
      const others = list.filter((x) => x.index !== index);
      const first = others[0]?.at as DagIdAt;
      const more = new Set(others.map((x) => x.index)).size - 1;
      const other = `in ${first.file}:${first.line}${more > 0 ? ` (and ${more} more file${more === 1 ? "" : "s"})` : ""}`;
      out[index]?.push(
        finding(rule, at.severity, at.file, at, { id, other, consequence: ACROSS_FILES }),
      );
    }
  }
  return out;
}

function active(options: LintOptions) {
  const out: { rule: Rule; severity: Finding["severity"]; configured: boolean }[] = [];
  for (const rule of RULES) {
    const set = options.rules?.[rule.id];
    const s = set ?? rule.defaultSeverity;
    if (s !== "off") out.push({ rule, severity: s, configured: set !== undefined });
  }
  return out;
}

function finding(
  rule: Rule,
  severity: Finding["severity"],
  file: string,
  at: Located,
  args: unknown,
): Finding {
  const d = diagnostic(rule.code as DiagnosticCode, args as never);
  return {
    ruleId: rule.id,
    code: rule.code,
    severity,
    file: at.file ?? file,
    line: at.line,
    column: at.column,
    endLine: at.endLine,
    endColumn: at.endColumn,
    message: d.message,
    fix: d.fix,
    ...subjectOf(at),
  };
}

/**
 * Lints a lowered DSL pipeline. Findings point at the TypeScript call that defined the task
 * (or the pipeline); suppression comments are applied by the caller, who has the sources.
 */
export function lintPipeline(input: PipelineLintInput, options: LintOptions = {}): Finding[] {
  const out: Finding[] = [];
  for (const { rule, severity } of active(options)) {
    rule.checkPipeline?.(input, (args, key) => {
      const loc = input.sourceMap[key] ?? input.sourceMap.pipeline;
      const file = loc?.file ?? input.file;
      const task = key.startsWith("task:") ? { task: key.slice("task:".length) } : {};
      const at = { ...pointSpan(loc?.line, loc?.column), dag: input.ir.id, ...task };
      out.push(finding(rule, severity, file, at, args));
    });
  }
  return out.sort(compareFindings);
}

/**
 * Lints one hand-written Airflow DAG file, as a run of that file alone (with `dagFolder`, the
 * DAGs it names are judged against its own: missing-dag); `# mlgen: disable=...` comments are honored. A
 * file the fast parser declines is checked for syntax errors once `loadPythonSyntaxCheck()` has
 * loaded tree-sitter-python (lintPythonFiles does so when it meets one), not at all before.
 */
export function lintPythonSource(
  file: string,
  source: string,
  options: LintOptions = {},
): Finding[] {
  const linted = lintPythonDag(file, source, options);
  const across = findingsAcrossFiles([linted.across], options.dagFolder)[0] ?? [];
  return across.length === 0
    ? linted.findings
    : [...linted.findings, ...across].sort(compareFindings);
}

/**
 * lintPythonSource, and whether the file still awaits tree-sitter-python's verdict. Given
 * `templates`, the template files its tasks name (`sql="sql/merge.sql"`) are read and checked
 * as their arguments' values; the texts of those with findings come back in `templateSources`,
 * the names of all it read in `templatesRead` (a template file given to `mlgen lint` is linted
 * through the DAG files that read it).
 */
export function lintPythonDag(
  file: string,
  source: string,
  options: LintOptions = {},
  undecodable: { readonly span: Span; readonly detail: string } | null = null,
  templates?: TemplateFiles,
  modules?: ModuleLookup,
): {
  findings: Finding[];
  syntaxUnchecked: boolean;
  templateSources: Map<string, string>;
  templatesRead: string[];
  /** What the checks across files need of it (findings to be: those not silenced in the file). */
  across: AcrossFiles;
  /**
   * The default_args its DAGs import from modules of the project that the analysis could not
   * read (or read in part), each at the line naming it, with why (SharedDefaults).
   */
  sharedDefaults: SharedDefaults[];
} {
  // A UTF-8 byte order mark is no part of the code (Python skips it, and editors count no
  // column for it): without it the file takes the fast parser instead of tree-sitter's.
  const rules = active(options);
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  // Bytes Python cannot decode stop it before it parses anything. When that is the finding,
  // only the lines before them are analysed (for suppression comments): parsing the rest,
  // often binary garbage, would take the parsers' error recovery seconds to minutes.
  // So do brackets nested deeper than Python's tokenizer takes, which would also overflow the
  // analysis' stack; a file the fast parser takes nests no deeper (it declines one that does),
  // and its tree is handed on rather than parsed again.
  const fast = undecodable ? undefined : fastParseNodes(universalNewlines(text));
  const stop = undecodable ?? (fast ? null : tooDeeplyNested(text));
  const cut =
    stop !== null && rules.some((r) => r.rule.id === "syntax-error")
      ? lineStart(text, stop.span.line)
      : text.length;
  const analyzed =
    cut < text.length ? analyzeDagFile(text.slice(0, cut)) : analyzeDagFile(text, fast, modules);
  const read = templates && !stop ? withTemplateFiles(analyzed, templates) : analyzed;
  const dag = stop ? { ...analyzed, syntaxError: stop } : read;
  const out: Finding[] = [];
  // Other findings on a file that does not parse would be read from a broken tree.
  const broken = dag.syntaxError !== null && rules.some((r) => r.rule.id === "syntax-error");
  const onAirflow3 = (options.airflowVersion ?? 3) === 3;
  // A DAG file mlgen wrote for Airflow 2 imports what Airflow 2 has (Dataset, ...): compiling
  // for Airflow 3 is its migration, so Airflow 3's removals are no finding of its own.
  const generatedForAirflow2 = !onAirflow3 && GENERATED.test(text);
  for (const { rule, severity, configured } of rules) {
    if (broken && rule.id !== "syntax-error") continue;
    if (generatedForAirflow2 && rule.id === "airflow3-removed") continue;
    rule.checkPython?.(dag, (args, at, how) => {
      if (how?.onlyAirflow2 && onAirflow3) return;
      if (how?.onlyAirflow3 && !onAirflow3) return;
      const refused =
        how?.refused && (onAirflow3 || how.alsoAirflow2 || how.onlyAirflow2) && !configured;
      // A value of a dict read from a module of the project: the finding is where the file
      // names the dict, and says where in the module the value is.
      const moved = dag.grafts.length > 0 ? inModule(dag, at) : null;
      const about = pythonSubject(dag, rule.code, args, moved?.at ?? at);
      const found = finding(rule, refused ? "error" : severity, file, about, args);
      const from = moved ? null : defaultsFrom(dag, rule.id, at);
      out.push(
        moved
          ? { ...found, message: `${found.message} (${moved.where})` }
          : from
            ? { ...found, fix: `${found.fix} (${from})` }
            : found,
      );
    });
  }
  // Every suppression comment contains "mlgen": without one, no finding can be silenced.
  const sources = new Map([[file, source]]);
  for (const t of dag.templates) sources.set(t.file, t.text);
  let suppressions: boolean | undefined;
  const unsuppressed = <F extends Pick<Finding, "file" | "line" | "ruleId" | "code">>(
    found: F[],
  ): F[] => {
    if (found.length === 0) return found;
    suppressions ??= [...sources.values()].some((text) => text.includes("mlgen"));
    return suppressions
      ? applySuppressions(
          found,
          sources,
          new Map([[file, dag.mlgenComments]]),
          new Map([[file, dag.stringStatements]]),
        )
      : found;
  };
  const kept = unsuppressed(out);
  // What the checks across files compare, where their findings would be, so that a suppression
  // comment there silences them as it does any finding.
  const at = (id: string) => {
    const r = broken ? undefined : rules.find((x) => x.rule.id === id);
    return r && { file, severity: r.severity, ruleId: r.rule.id, code: r.rule.code };
  };
  const duplicate = at(DUPLICATE_DAG_ID);
  const external = at(EXTERNAL_SCHEDULE);
  const externalTask = at(EXTERNAL_TASK);
  const conf = at(TRIGGER_CONF);
  const missing = at(MISSING_DAG);
  const ids = duplicate || external || externalTask || conf ? literalDagIds(dag) : [];
  const triggers = conf ? triggerConfs(dag) : [];
  // A file that does not parse may define any DAG (at() holds back its other findings).
  const missingOn = rules.some((r) => r.rule.id === MISSING_DAG);
  const definedIds = !missingOn ? [] : broken ? null : dagIdsOf(dag);
  const waits = external ? externalWaits(dag) : [];
  const refs = externalTask ? externalTaskRefs(dag) : [];
  const across: AcrossFiles = {
    dagIds: duplicate
      ? unsuppressed(ids.map(({ id, span }) => ({ id, ...span, ...duplicate })))
      : [],
    ids: external || externalTask || conf ? ids.map((d) => d.id) : [],
    schedules: external ? dagSchedules(dag, ids) : [],
    waits:
      external && waits.length > 0 ? unsuppressed(waits.map((w) => ({ ...w, ...external }))) : [],
    taskIds: externalTask ? dagTaskIds(dag, ids) : [],
    taskRefs:
      externalTask && refs.length > 0
        ? unsuppressed(refs.map((r) => ({ ...r, ...externalTask, onAirflow3 })))
        : [],
    params: conf ? dagParamNames(dag, ids) : [],
    triggers:
      conf && triggers.length > 0
        ? triggers.map((t) => ({
            ...t,
            keys: unsuppressed(t.keys.map((k) => ({ ...k, ...conf }))),
          }))
        : [],
    definedIds: definedIds ?? [],
    idsHidden: definedIds === null,
    dagRefs: missing ? unsuppressed(dagRefs(dag).map((r) => ({ ...r, ...missing }))) : [],
  };
  const templateSources = new Map<string, string>();
  for (const f of kept) {
    const text = f.file === file ? undefined : sources.get(f.file);
    if (text !== undefined) templateSources.set(f.file, text);
  }
  return {
    findings: kept.sort(compareFindings),
    syntaxUnchecked: dag.syntaxUnchecked,
    templateSources,
    templatesRead: dag.templates.map((t) => t.file),
    across,
    sharedDefaults: sharedDefaults(dag),
  };
}

/** A DAG's default_args read from a module of the project that lint could not read in full. */
export interface SharedDefaults {
  /** The line of the DAG file naming the dict. */
  readonly line: number;
  /** `DEFAULT_ARGS from common.defaults, for DAG 'etl': <why>`. */
  readonly note: string;
}

/**
 * The default_args of the file's DAGs that a name imported from a module of the project holds
 * (`from common.defaults import DEFAULT_ARGS`, the DAG folder being on sys.path) and that lint
 * could not read, or read only in part, with why (the module is not found, binds the name to a
 * call, ...). Lint takes such a dict as one that may set anything, and holds back what depends on
 * it (retries, timeouts, alerts, a sensor's mode, the keys' spelling): the CLI says so, rather
 * than a clean run saying nothing. Names from Airflow and the standard library are not said.
 */
function sharedDefaults(dag: DagFile): SharedDefaults[] {
  const out = new Map<string, SharedDefaults>();
  for (const d of dag.dags) {
    for (const u of d.importedDefaults ?? []) {
      const why = u.unread ?? u.partly;
      if (why === undefined || TASKLESS_MODULES.has(u.module.split(".")[0] ?? "")) continue;
      const note = `${u.name} from ${u.module}${d.id === null ? "" : `, for DAG '${d.id}'`}: ${why}`;
      out.set(`${u.span.line}\0${note}`, { line: u.span.line, note });
    }
  }
  return [...out.values()];
}

/**
 * Where a finding at a value of a dict read from a module of the project goes: where the file
 * names the dict (the outermost graft holding the value), saying where the value is (the
 * innermost: a module may read the dict from another in turn). Null for the file's own places.
 */
function inModule(dag: DagFile, at: Located): { at: Located; where: string } | null {
  if (at.file !== undefined) return null;
  const holding = dag.grafts.filter((g) => g.line <= at.line && at.line <= g.endLine);
  const outer = holding.find((g) => g.at !== null);
  const inner = holding.at(-1);
  if (!outer?.at || !inner) return null;
  const { line, column, endLine, endColumn } = outer.at;
  return {
    at: { ...subjectOf(at), line, column, endLine, endColumn },
    where: `at ${inner.file}:${at.line - inner.line + 1}, through ${outer.name} from ${outer.module}`,
  };
}

/** Rules whose findings on a task (or a DAG) follow from what its DAG's default_args lack. */
const DEFAULTS_RULES: ReadonlySet<string> = new Set([
  "missing-retries",
  "missing-timeout",
  "no-failure-alert",
  "sensor-poke-mode",
]);

/**
 * For a finding of such a rule at a task or DAG whose default_args are read from modules of
 * the project: which, so the fix is made there (`DEFAULT_ARGS from common/defaults.py`).
 */
function defaultsFrom(dag: DagFile, ruleId: string, at: Located): string | null {
  if (!DEFAULTS_RULES.has(ruleId) || at.file !== undefined) return null;
  const same = (s: Span) => s.line === at.line && s.column === at.column;
  const decl = dag.tasks.find((t) => same(t.span))?.dagDecl ?? dag.dags.find((d) => same(d.span));
  const read = (decl?.importedDefaults ?? []).filter((u) => u.unread === null && u.file !== null);
  if (read.length === 0) return null;
  const names = read.map((u) => `${u.name} in ${u.file}`);
  return `the DAG's default_args come from ${names.join(" and ")}`;
}

/**
 * Where `text` opens a bracket inside 200 open ones ("too many nested parentheses"), or null.
 * A scan of the tokens that matter: comments and strings (their brackets are text) are skipped.
 */
export function tooDeeplyNested(text: string): { span: Span; detail: string } | null {
  let depth = 0;
  let line = 1;
  let lineAt = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      line++;
      lineAt = i + 1;
    } else if (c === "#") {
      while (i + 1 < text.length && text[i + 1] !== "\n") i++;
    } else if (c === '"' || c === "'") {
      const triple = text[i + 1] === c && text[i + 2] === c;
      const close = triple ? c.repeat(3) : c;
      i += triple ? 3 : 1;
      for (; i < text.length; i++) {
        const d = text[i];
        if (d === "\\") {
          if (text[i + 1] === "\n") {
            line++;
            lineAt = i + 2;
          }
          i++;
        } else if (d === "\n") {
          if (!triple) break; // an unclosed string: the tokenizer's error, not this one
          line++;
          lineAt = i + 1;
        } else if (text.startsWith(close, i)) {
          i += close.length - 1;
          break;
        }
      }
      if (text[i] === "\n") i--;
    } else if (c === "(" || c === "[" || c === "{") {
      if (++depth > MAX_NESTING) {
        const column = i - lineAt + 1;
        return {
          span: { line, column, endLine: line, endColumn: column + 1 },
          detail: `too many nested parentheses (Python takes ${MAX_NESTING} brackets inside each other)`,
        };
      }
    } else if (c === ")" || c === "]" || c === "}") {
      depth = Math.max(0, depth - 1);
    }
  }
  return null;
}

/** Line 1 of every DAG file `mlgen compile` writes (templates/airflow/dag.py.hbs). */
const GENERATED = /^# Generated by mlgen from /;

/** The offset of the start of 1-based `line` in `text` (its length when there are fewer lines). */
function lineStart(text: string, line: number): number {
  let at = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf("\n", at);
    if (next < 0) return text.length;
    at = next + 1;
  }
  return at;
}
