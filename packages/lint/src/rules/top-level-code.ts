import { localPaths } from "../paths.js";
import { helperFor, helperScope } from "../python/analyze.js";
import type { DagFile } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { childNamed, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

/** Calls that reach a metadata database, a secrets backend or the network. */
const CALLS: [RegExp, string][] = [
  [/(^|\.)Variable\.get$/, "a metadata-DB or secrets-backend query"],
  [/(^|\.)(BaseHook|Connection)\.get_connection(_from_secrets)?$/, "a connection lookup"],
  [/\.(get_conn|get_records|get_first|get_pandas_df|get_df|run_query)$/, "a database query"],
  [
    /(^|\.)(sqlite3|psycopg2|psycopg|pymysql|pyodbc|cx_Oracle|oracledb|connector)\.connect$/,
    "a database connection",
  ],
  [/(^|\.)create_engine$/, "a database engine"],
  // A hook's methods look its connection up and call the service: listing a bucket, an API.
  [/(^|\.)\w*Hook\(\.\.\.\)\.\w+$/, "a hook call (a connection lookup, then the service)"],
  [
    /(^|\.)\w*[hH]ook\.(list_keys|list_prefixes|list|check_for_key|check_for_prefix|get_key|read_key|download|download_file|exists|get_bucket|run|get_blob|list_blobs)$/,
    "a hook call (a connection lookup, then the service)",
  ],
  [/^(requests|httpx)\.(get|post|put|patch|delete|head|request)$/, "an HTTP request"],
  [/(^|\.)urlopen$/, "an HTTP request"],
  [/^socket\.create_connection$/, "a network connection"],
  [/^(boto3)\.(client|resource)$/, "a cloud client (credential lookups)"],
  [
    /^subprocess\.(run|check_output|check_call|call|Popen|getoutput|getstatusoutput)$/,
    "a subprocess",
  ],
  [/^os\.(system|popen)$/, "a subprocess"],
];

/**
 * What calling `callee` at parse time does (CALLS), or null. Kept per callee: every DAG file
 * makes the same few calls (DAG, the operators, datetime) at module level.
 */
function callKind(callee: string): string | null {
  let what = callKinds.get(callee);
  if (what === undefined) {
    if (callKinds.size >= 4096) callKinds.clear();
    what = CALLS.find(([re]) => re.test(callee))?.[1] ?? null;
    callKinds.set(callee, what);
  }
  return what;
}

const callKinds = new Map<string, string | null>();

/**
 * Calls that read a file named by their first argument (`Path(...).read_text()`: by the path's).
 * At parse time, a local absolute path (`open("/home/ana/cfg.json")`) is one the scheduler and
 * the dag processor need not have: the whole file fails to import. A path next to the DAG file
 * (`Path(__file__).parent / "cfg.json"`, as dynamic DAGs read their configs) is not reported.
 */
const FILE_READS =
  /^(?:open|io\.open|codecs\.open)$|(?:^|\.)read_(?:csv|parquet|json|excel|table|feather|pickle|orc|sas|stata)$|^(?:pathlib\.)?(?:Pure)?(?:Posix)?Path\(\.\.\.\)\.(?:read_text|read_bytes|open)$|^(?:np|numpy)\.(?:load|loadtxt|genfromtxt)$/;

/** Data-frame readers (`pd.read_csv`, `pl.read_parquet`), which also read remote URLs. */
const FRAME_READS = /(?:^|\.)read_(?:csv|parquet|json|excel|table|feather|pickle|orc|sas|stata)$/;

/** A URL a data-frame reader fetches over the network (via fsspec: s3fs, gcsfs, adlfs, HTTP). */
const REMOTE_URL = /^(?:s3a?|gs|gcs|abfss?|az|adl|hdfs|https?|ftp):\/\/\S/i;

/** The literal first argument of a file-reading call at module level, with its node. */
function readArg(
  file: DagFile,
  call: { callee: string; node?: PyNode },
): { raw: string; node: PyNode } | null {
  if (!call.node || !FILE_READS.test(call.callee)) return null;
  // `Path("/x").read_text()`: the path is the receiver call's argument.
  const target = call.callee.includes("(...)")
    ? (call.node.firstChild?.firstChild ?? null)
    : call.node;
  const argList = target?.name === "CallExpression" ? childNamed(target, "ArgList") : null;
  let first = argList?.firstChild?.nextSibling ?? null;
  while (first?.name === "Comment") first = first.nextSibling;
  if (first?.name === "VariableName")
    first = file.constants.get(textOf(file.source, first)) ?? null;
  if (!first || (first.name !== "String" && first.name !== "FormatString")) return null;
  return { raw: textOf(file.source, first), node: first };
}

/** The local path a file-reading call at module level reads, with the node that holds it. */
function readPath(
  file: DagFile,
  call: { callee: string; node?: PyNode },
): { path: string; node: PyNode } | null {
  const arg = readArg(file, call);
  if (!arg) return null;
  const found = localPaths(arg.raw, !/^[A-Za-z]*[rR]/.test(arg.raw))[0];
  return found ? { path: found.path, node: arg.node } : null;
}

/** The remote URL (`s3://bucket/x.csv`) a data-frame reader at module level fetches, or null. */
function remoteRead(file: DagFile, call: { callee: string; node?: PyNode }): string | null {
  if (!FRAME_READS.test(call.callee)) return null;
  const arg = readArg(file, call);
  const url = arg?.raw.replace(/^[A-Za-z]*(['"]{1,3})/, "").replace(/['"]{1,3}$/, "");
  return url && REMOTE_URL.test(url) ? url : null;
}

/** Imports that take seconds to load: at module level, every parse pays for them. */
const HEAVY =
  /^(pandas|numpy|tensorflow|torch|sklearn|scipy|xgboost|lightgbm|catboost|transformers|keras|pyspark|matplotlib|mlflow|polars|statsmodels|cv2|spacy|nltk)(\.|$)/;

/**
 * The first call in CALLS that calling the file's own function `name` from `within` (a @dag
 * body, or module level) makes, directly or through the file's other functions it calls
 * (`CONFIG = load_config()`, whose body reads a Variable). A name resolves to the function
 * defined in the same @dag body, else to the module's.
 */
function throughHelpers(
  helpers: ReadonlyMap<string, readonly { readonly callee: string }[]>,
  within: string | null,
  name: string,
): { callee: string; what: string } | null {
  const seen = new Set<string>();
  const visit = (key: string): { callee: string; what: string } | null => {
    if (seen.has(key)) return null;
    seen.add(key);
    const from = helperScope(key);
    for (const { callee } of helpers.get(key) ?? []) {
      const what = callKind(callee);
      if (what !== null) return { callee, what };
      const next = helperFor(helpers, from, callee);
      const deeper = next ? visit(next) : null;
      if (deeper) return deeper;
    }
    return null;
  };
  const start = helperFor(helpers, within, name);
  return start ? visit(start) : null;
}

export const topLevelCode = defineRule({
  id: "top-level-code",
  code: "MLG2009",
  defaultSeverity: "warning",
  description:
    "Variable, database or network access, a read of a local absolute path or a remote URL, or heavy imports, in code that runs whenever a DAG file is parsed",
  checkPython(file, report) {
    /** Where it runs: a @dag function's body runs when the file calls it to build the DAG. */
    const place = (within: string | null) => (within ? ` in the body of ${within}()` : "");
    const why = (within: string | null) =>
      within ? `; the body of ${within}() runs at every parse, its tasks' bodies do not` : "";
    for (const call of file.topLevelCalls) {
      if (call.dagTest) {
        report(
          {
            what: `${call.callee}()${place(call.within)} (a whole run of the DAG: every task runs, against Airflow's database)`,
            hint: 'put it under if __name__ == "__main__": so that it runs only when you run the file yourself',
          },
          call.span,
        );
        continue;
      }
      const read = readPath(file, call);
      if (read) {
        report(
          {
            what: `${call.callee}() of the local path '${read.path}'${place(call.within)} (a file the scheduler and dag processor need not have: the whole file then fails to import)`,
            hint: `read it in the task that needs it, or keep the file beside the DAG file and read Path(__file__).parent / "name"${why(call.within)}`,
          },
          call.span,
        );
        continue;
      }
      const url = remoteRead(file, call);
      if (url) {
        report(
          {
            what: `${call.callee}() of '${url}'${place(call.within)} (a download over the network, with credential lookups)`,
            hint: `read it in the task that needs it${why(call.within)}`,
          },
          call.span,
        );
        continue;
      }
      const direct = callKind(call.callee);
      const via =
        direct !== null ? null : throughHelpers(file.helperCalls, call.within, call.callee);
      const hit = direct !== null ? { callee: call.callee, what: direct } : via;
      if (!hit) continue;
      const through = via ? `, which calls ${hit.callee}()` : "";
      report(
        {
          what: `${call.callee}()${place(call.within)}${through} (${hit.what})`,
          hint: `move it into the task's callable, or use a template ({{ var.value.name }}, {{ conn.id.host }}) that Airflow renders when the task runs${why(call.within)}`,
        },
        call.span,
      );
    }
    for (const imp of file.imports) {
      if (!imp.topLevel || !HEAVY.test(imp.module)) continue;
      report(
        {
          what: `the import of ${imp.module.split(".")[0]}${place(imp.within)}`,
          hint: `import it inside the task function that uses it${why(imp.within)}`,
        },
        imp.span,
      );
    }
  },
});
