import { mayHoldJinja, removedContextHint } from "@mlgen/core";
import type { Located } from "../finding.js";
import { removedContextUses } from "../python/jinja.js";
import type { PyNode } from "../python/node.js";
import { triggerRuleSettings } from "../python/queries.js";
import { childNamed, childrenNamed, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

const DAG_ARGS: Record<string, string> = {
  schedule_interval: "use schedule=",
  timetable: "pass the timetable as schedule=",
  sla_miss_callback: "SLAs are gone; use deadline alerts or a task timeout",
  concurrency: "use max_active_tasks=",
  full_filepath: "remove it",
  default_view: "remove it: the UI remembers each user's view",
  orientation: "remove it: the UI remembers each user's view",
  fail_stop: "use fail_fast=",
};
/** Operator arguments Airflow 3 removed, and what replaces each (invalid-argument leaves them to this rule). */
export const TASK_ARGS: Record<string, string> = {
  sla: "SLAs are gone; use execution_timeout or deadline alerts",
  task_concurrency: "use max_active_tis_per_dag=",
  provide_context: "remove it: the context is always passed to **kwargs",
};
/** Arguments one operator no longer takes on Airflow 3 (it refuses them: invalid arguments). */
const OPERATOR_ARGS: Record<string, Record<string, string>> = {
  TriggerDagRunOperator: { execution_date: "use logical_date=" },
  ExternalTaskMarker: { execution_date: "use logical_date=" },
};
/** Modules (and module:name pairs) that no longer import on Airflow 3. */
const MODULES: [RegExp, string][] = [
  [/^airflow\.contrib(\.|$)/, "import from the provider packages"],
  [
    /^airflow\.operators\.(bash_operator|python_operator|dummy_operator|dummy|subdag|subdag_operator|email_operator|check_operator)$/,
    "import from airflow.providers.standard.operators.* (EmptyOperator replaces DummyOperator; SubDAGs are gone: use TaskGroup)",
  ],
  [
    /^airflow\.sensors\.(base_sensor_operator|external_task_sensor|time_delta_sensor|date_time_sensor)$/,
    "import sensors from airflow.providers.standard.sensors.* and the base from airflow.sdk",
  ],
  [
    /^airflow\.(sensors\.(sql|sql_sensor)|operators\.sql)$/,
    "import from airflow.providers.common.sql (sensors.sql, operators.sql)",
  ],
  [/^airflow\.datasets$/, "Datasets are Assets in Airflow 3: from airflow.sdk import Asset"],
  [/^airflow\.models\.dataset$/, "Datasets are Assets in Airflow 3: use airflow.sdk's Asset"],
  [/^airflow\.utils\.dag_parsing_context$/, "import get_parsing_context from airflow.sdk"],
  [/^airflow\.utils\.log\.secrets_masker$/, "import mask_secret from airflow.sdk.log"],
  [
    /^airflow\.hooks\.(base_hook|dbapi|dbapi_hook)$/,
    "import BaseHook from airflow.sdk, DbApiHook from airflow.providers.common.sql.hooks.sql",
  ],
  // airflow.api.client itself and its local_client are still in Airflow 3; json_client and
  // api_client (the experimental REST API's clients) are not.
  [
    /^airflow\.(api\.client\.(json_client|api_client)|www|executors\.debug_executor)(\.|$)/,
    "remove the import",
  ],
  [
    /^airflow\.kubernetes(\.|$)/,
    "import from airflow.providers.cncf.kubernetes (secret, pod_generator, k8s_model, ...)",
  ],
  [
    /^airflow\.providers\.cncf\.kubernetes\.operators\.kubernetes_pod$/,
    "import KubernetesPodOperator from airflow.providers.cncf.kubernetes.operators.pod",
  ],
  [/^airflow\.timetables\.datasets$/, "import AssetOrTimeSchedule from airflow.timetables.assets"],
  [
    /^airflow\.models\.mappedoperator$/,
    "mapped operators come from .partial().expand(); remove the import",
  ],
  [
    /^airflow\.lineage\.entities$/,
    "lineage entities are gone: declare inlets and outlets as Assets",
  ],
];
/**
 * Modules that still import on Airflow 3 with little left in them: `import M` and `from P import
 * M` are reported (a DAG file reads them for what is gone), `from M import name` only for a name
 * MODULE_NAMES lists. airflow.utils.dates keeps datetime_to_nano only.
 */
const HOLLOWED: [RegExp, string][] = [
  [
    /^airflow\.utils\.dates$/,
    "days_ago and the other date helpers are gone: use a fixed pendulum.datetime(...)",
  ],
];
/** Names a module no longer has (the module itself still imports). */
const MODULE_NAMES: [RegExp, RegExp, string][] = [
  [
    /^airflow\.utils\.dates$/,
    /^(days_ago|date_range|round_time|infer_time_unit|scale_time_units|parse_execution_date)$/,
    "days_ago and the other date helpers are gone: use a fixed pendulum.datetime(...)",
  ],
  [/^airflow\.utils\.helpers$/, /^(chain|cross_downstream)$/, "import it from airflow.sdk"],
  [/^airflow\.utils\.context$/, /^get_current_context$/, "import it from airflow.sdk"],
  [/^airflow\.operators\.python$/, /^task$/, "import task from airflow.sdk"],
  [
    /^airflow\.utils\.decorators$/,
    /^apply_defaults$/,
    "remove @apply_defaults: operators apply default_args themselves",
  ],
];
/** Trigger rules Airflow 3 refuses when it parses the file, by their value and enum name. */
const TRIGGER_RULES: Record<string, string> = {
  dummy: "use 'always' (TriggerRule.ALWAYS)",
  DUMMY: "use TriggerRule.ALWAYS ('always')",
  none_failed_or_skipped:
    "use 'none_failed_min_one_success' (TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)",
  NONE_FAILED_OR_SKIPPED:
    "use TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS ('none_failed_min_one_success')",
};

/** A removed trigger rule written as a string or as `TriggerRule.X`, or null. */
function removedTriggerRule(text: string): string | null {
  const m = /^(?:["']([a-z_]+)["']|(?:[\w.]*\.)?TriggerRule\.([A-Z_]+))$/.exec(text.trim());
  const rule = m?.[1] ?? m?.[2];
  return rule && rule in TRIGGER_RULES ? rule : null;
}

const NAMES: [RegExp, string][] = [
  [/^(DummyOperator|SubDagOperator)$/, "use EmptyOperator; SubDAGs are gone: use TaskGroup"],
  [/^days_ago$/, "use a fixed pendulum.datetime(...)"],
];

/** The string keys of a dict literal's text, or null when it is not one. */
function literalKeys(text: string): Set<string> | null {
  if (!/^\{[\s\S]*\}$/.test(text.trim()) || text.includes("**")) return null;
  return new Set([...text.matchAll(/["'](\w+)["']\s*:/g)].map((m) => m[1] ?? ""));
}

/** The names of a def's parameters, in order (not `*args`, `**kwargs`). */
function parameterNames(source: string, def: PyNode): string[] {
  const out: string[] = [];
  for (const p of childrenNamed(childNamed(def, "ParamList"), "VariableName")) {
    const before = p.prevSibling?.name;
    if (before === "(" || before === ",") out.push(textOf(source, p));
  }
  return out;
}

/** What makes Airflow 3 refuse the whole DAG file when it parses it: an error on Airflow 3. */
const REFUSED = { refused: true } as const;
/** An operator argument Airflow 3 refuses (TypeError); `sla` is only warned about and ignored. */
const refusedArg = (name: string) => (name === "sla" ? undefined : REFUSED);

/**
 * What an import of `name` from `module` (`import module` when name is null) runs into, and
 * whether it fails (a hollowed module still imports): null when nothing. Kept per import, as
 * the files of one repository import the same few modules again and again.
 */
function removedImport(module: string, name: string | null): Verdict | null {
  const key = `${module}\u0000${name ?? ""}`;
  let found = importVerdicts.get(key);
  if (found === undefined) {
    if (importVerdicts.size >= 4096) importVerdicts.clear();
    found = judgeImport(module, name);
    importVerdicts.set(key, found);
  }
  return found;
}

const importVerdicts = new Map<string, Verdict | null>();

/** What to say of an import, and whether it fails when Airflow 3 parses the file. */
interface Verdict {
  readonly hint: string;
  readonly gone: boolean;
}

function judgeImport(module: string, name: string | null): Verdict | null {
  // Every removed module is one of Airflow's own.
  const airflow = module.startsWith("airflow");
  // `from airflow.operators import dummy` imports the module airflow.operators.dummy.
  const submodule = name ? `${module}.${name}` : null;
  const removed = airflow
    ? MODULES.find(([re]) => re.test(module) || (submodule !== null && re.test(submodule)))
    : undefined;
  const hollowed =
    airflow && !removed
      ? HOLLOWED.find(
          ([re]) =>
            (name === null && re.test(module)) || (submodule !== null && re.test(submodule)),
        )
      : undefined;
  const mod = removed ?? hollowed;
  const renamed = name ? NAMES.find(([re]) => re.test(name)) : undefined;
  const moved =
    airflow && name ? MODULE_NAMES.find(([m, n]) => m.test(module) && n.test(name)) : undefined;
  const hit = mod ?? renamed ?? (moved ? [moved[1], moved[2]] : undefined);
  if (!hit) return null;
  // A module or name that is gone fails the import (a hollowed module still imports).
  return { hint: hit[1], gone: removed !== undefined || moved !== undefined };
}

export const airflow3Removed = defineRule({
  id: "airflow3-removed",
  code: "MLG2010",
  defaultSeverity: "warning",
  description:
    "what Airflow 3 removed: schedule_interval, sla, removed import paths and context variables",
  checkPython(file, report) {
    const reported = new Set<string>();
    for (const task of file.tasks) {
      for (const pull of task.pulls) {
        const at = `${pull.span.line}:${pull.span.column}`;
        if (!pull.ownTask || pull.otherDag || reported.has(at)) continue;
        reported.add(at);
        report(
          {
            what: "xcom_pull without task_ids searching the run's tasks",
            hint: "Airflow 3 reads the calling task's own XCom instead: name the task that pushed it, task_ids='...'",
          },
          pull.span,
        );
      }
    }
    const seenDefaults = new Set<PyNode>();
    for (const dag of file.dags) {
      for (const [name, node] of dag.kwargs) {
        const hint = DAG_ARGS[name];
        if (!hint) continue;
        const key = node.prevSibling?.prevSibling ?? node;
        // DAG() takes no other arguments: TypeError when Airflow 3 parses the file.
        report(
          { what: `DAG argument '${name}'`, hint },
          file.lines.span(key.from, node.to),
          REFUSED,
        );
      }
      // Airflow 3 passes a task only the default_args keys its operator takes: a removed one
      // is dropped without a word (what it set, such as a concurrency limit, no longer holds).
      for (const [name, node] of dag.defaultArgs?.entries ?? []) {
        const hint = TASK_ARGS[name];
        // One dict may serve several DAGs: its key is one finding.
        if (hint && !seenDefaults.has(node)) {
          seenDefaults.add(node);
          report(
            {
              what: `default_args key '${name}'`,
              hint: `${hint} (Airflow 3 drops the key without a word, so what it set no longer applies)`,
            },
            file.lines.span(node.from, node.to),
          );
        }
      }
    }
    const triggerRule = (node: PyNode, where: string) => {
      const rule = removedTriggerRule(textOf(file.source, node));
      if (!rule) return;
      report(
        {
          what: `trigger rule '${rule}'${where} (Airflow 3 refuses the DAG file)`,
          hint: TRIGGER_RULES[rule] ?? "use another trigger rule",
        },
        file.lines.span(node.from, node.to),
        REFUSED,
      );
    };
    for (const { node, where } of triggerRuleSettings(file)) triggerRule(node, where);
    for (const node of file.executionDateAttributes) {
      report(
        {
          what: `attribute '${textOf(file.source, node).replace(/\s+/g, "")}'`,
          hint: "use logical_date (dag_run.logical_date, or context['logical_date']); a run without one has none",
        },
        file.lines.span(node.from, node.to),
      );
    }
    for (const task of file.tasks) {
      const own = OPERATOR_ARGS[task.operator.slice(task.operator.lastIndexOf(".") + 1)];
      for (const [name, node] of task.kwargs) {
        const hint = TASK_ARGS[name] ?? own?.[name];
        if (!hint) continue;
        const key = node.prevSibling?.prevSibling ?? node;
        report(
          { what: `operator argument '${name}'`, hint },
          file.lines.span(key.from, node.to),
          refusedArg(name),
        );
      }
    }
    for (const imp of file.imports) {
      // One side of a `try` / `except ImportError` pair: the file imports whichever way the
      // Airflow it runs on has.
      if (imp.guarded) continue;
      const found = removedImport(imp.module, imp.name);
      if (!found) continue;
      report(
        {
          what: `import ${imp.name ? `${imp.name} from ${imp.module}` : imp.module}`,
          hint: found.hint,
        },
        imp.span,
        found.gone ? REFUSED : undefined,
      );
    }
    // Airflow 3's Task SDK Variable.get(key, default=NOTSET, deserialize_json=False): a TypeError
    // when the call runs; at parse time (module level, a @dag body) the file fails to import.
    const parseTime = new Set(file.topLevelCalls.map((c) => `${c.span.line}:${c.span.column}`));
    for (const { call, keyword } of file.sdkVariableDefaultVars) {
      const at = file.lines.span(call.from, call.to);
      const callee = textOf(file.source, call.firstChild ?? call).replace(/\s+/g, "");
      report(
        {
          what: `default_var= of ${callee}() (airflow.sdk's Variable.get takes default=; a TypeError)`,
          hint: "pass default=..., or the default as the second argument, which airflow.models' Variable.get also takes",
        },
        file.lines.span(keyword.from, keyword.to),
        parseTime.has(`${at.line}:${at.column}`) ? REFUSED : undefined,
      );
    }
    // Both checks below read templates only: in the file's strings, and in the template files
    // its tasks name (a `.sql` file's `{{ execution_date }}` fails the task on Airflow 3: an undefined name).
    const templates = (raw: string, at: (from: number, to: number) => Located) => {
      if (!raw.includes("{{") && !raw.includes("{%")) return;
      for (const m of raw.matchAll(/\b(dag_run|ti|task_instance)\s*\.\s*execution_date\b/g)) {
        report(
          {
            what: `template attribute '${m[1]}.execution_date'`,
            hint: "use {{ dag_run.logical_date }} or {{ logical_date }}; a run without one has none",
          },
          at(m.index, m.index + m[0].length),
        );
      }
      for (const use of removedContextUses(raw)) {
        report(
          { what: `template variable '${use.name}'`, hint: removedContextHint(use.name, true) },
          at(use.from, use.to),
        );
      }
    };
    for (const s of mayHoldJinja(file.source) ? file.allStrings : []) {
      templates(textOf(file.source, s), (from, to) => file.lines.span(s.from + from, s.from + to));
    }
    for (const t of file.templates) {
      templates(t.text, (from, to) => ({ ...t.lines.span(from, to), file: t.file }));
    }
    // Task code reading them: a callable's parameter, context["..."], kwargs.get("...").
    const seen = new Set<string>();
    for (const task of file.tasks) {
      // op_kwargs are passed to the callable by name before the context is: a parameter they
      // supply is theirs (a dict we cannot read may supply any).
      const opKwargs = task.kwargs.get("op_kwargs");
      // Keyword arguments (op_kwargs, a TaskFlow call's) are merged into the callable's kwargs
      // and fill parameters and `context[...]` reads alike; null when they cannot be read.
      const keywords = opKwargs ? literalKeys(textOf(file.source, opKwargs)) : new Set<string>();
      for (const k of task.callArgs?.keywords ?? []) keywords?.add(k);
      // Positional arguments (op_args, a TaskFlow call's) fill the leading parameters only.
      const params = task.callable ? parameterNames(file.source, task.callable.node) : [];
      const positional = new Set(params.slice(0, task.callArgs?.positional ?? 0));
      for (const use of task.callable?.contextUses ?? []) {
        if (keywords === null || keywords.has(use.name)) continue;
        // Arguments we cannot count may fill any parameter, but no read of the context dict.
        if (use.parameter && (task.callArgs === null || positional.has(use.name))) continue;
        const key = `${use.span.line}:${use.span.column}`;
        if (seen.has(key)) continue;
        seen.add(key);
        report(
          {
            what: `context variable '${use.name}' (read by ${task.callable?.name})`,
            hint: removedContextHint(use.name, false),
          },
          use.span,
        );
      }
    }
  },
});
