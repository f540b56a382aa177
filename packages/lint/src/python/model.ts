import type { Located, Span } from "../finding.js";
import type { PyNode } from "./node.js";
import type { LineIndex } from "./text.js";

/** A dict literal we could read; `open` when it also holds keys we cannot see (`**base`). */
export interface ArgDict {
  readonly entries: ReadonlyMap<string, PyNode>;
  readonly open: boolean;
  readonly node: PyNode;
}

/**
 * A name of a dict a file reads from a module of the project (`from common.defaults import
 * DEFAULT_ARGS`, then `default_args=DEFAULT_ARGS`, `{**DEFAULT_ARGS, ...}`), as Airflow's
 * `sys.path` finds the module (the DAG folder, the plugins folder).
 */
export interface ImportedDict {
  /** The name as the file writes it: `DEFAULT_ARGS`, `defaults.DEFAULT_ARGS`. */
  readonly name: string;
  /** The module as the file imports it: `common.defaults` (`.defaults` for a relative import). */
  readonly module: string;
  /** Where the file names it. */
  readonly span: Span;
  /** The module's file as findings name files, when it was found. */
  readonly file: string | null;
  /** Why its dict is not read (null: it is, as if the file wrote it where it names it). */
  readonly unread: string | null;
  /** Read, but it holds keys lint cannot see, for this reason (a dict it spreads, unread). */
  readonly partly?: string;
}

/**
 * A module's text appended to a file's `source` because the file reads a dict of it: the
 * dict's nodes sit there, so `source.slice(node.from, node.to)` reads them as any other.
 */
export interface Graft {
  /** The module's file, as findings name files. */
  readonly file: string;
  /** The module's first and last lines in the file's `lines` (past the file's own). */
  readonly line: number;
  readonly endLine: number;
  /**
   * Where the file names the dict (ImportedDict.span); null for a module grafted into that
   * module's text in turn (a dict it reads from another module): see the graft holding it.
   */
  readonly at: Span | null;
  readonly name: string;
  readonly module: string;
}

/** A dict a module binds a name to, as a file importing it reads it (ModuleLookup). */
export interface ModuleDict {
  /** Its nodes are offsets into `source`. */
  readonly dict: ArgDict;
  /** The module's text as analysed: its own, then the modules it reads dicts from (grafts). */
  readonly source: string;
  readonly file: string;
  readonly grafts: readonly Graft[];
  /** The dict holds keys lint cannot see, for this reason. */
  readonly partly?: string;
}

/**
 * What `name` of `module` is, as the file being analysed imports it (a relative module starts
 * with dots): the dict it is bound to, or why that is not read (`file`: the module, when found;
 * `unchecked`: the module awaits tree-sitter-python's verdict on its syntax, so the file is to
 * be analysed again once it is loaded).
 */
export type ModuleLookup = (
  module: string,
  name: string,
) => ModuleDict | { readonly unread: string; readonly file?: string; readonly unchecked?: true };

/** An XCom read, in Python code or in a Jinja template. */
export interface Pull {
  /** Literal task ids; null when computed or omitted. */
  readonly taskIds: readonly string[] | null;
  /** Null when computed; `return_value` when omitted. */
  readonly key: string | null;
  readonly otherDag: boolean;
  /**
   * `include_prior_dates=True` or `run_id=`: a deliberate read of another run (a watermark),
   * which no order of tasks in this run could make a race.
   */
  readonly otherRuns: boolean;
  /** In the DAG file, or in a template file a task argument names (`file` set). */
  readonly span: Located;
  readonly inTemplate: boolean;
  /** No task ids: Airflow 3 reads the calling task's own XCom (Airflow 2 searched the run). */
  readonly ownTask: boolean;
}

export interface Push {
  readonly key: string;
  readonly span: Span;
}

/** A task-context variable read in Python code: a parameter name or `context["name"]`. */
export interface ContextUse {
  readonly name: string;
  readonly span: Span;
  /** A parameter of the function (which the call may fill), not a read of the context dict. */
  readonly parameter: boolean;
}

/** What a Python function does with XComs, read from its body. */
export interface FunctionFacts {
  readonly name: string;
  readonly node: PyNode;
  readonly returnsValue: boolean;
  /** Keys of the dict every `return` builds, when all are dict literals with literal keys. */
  readonly returnKeys: readonly string[] | null;
  /**
   * Whether the return annotation is a mapping (`-> dict[str, float]`), which makes a TaskFlow
   * task push one XCom per key as `multiple_outputs=True` would; null for a type we cannot
   * judge (a user class may be a TypedDict).
   */
  readonly returnsMapping: boolean | null;
  /**
   * Its returns written as something no Mapping is (a tuple, `return a, b` too; a list, a set,
   * a string, a number, a bool) or as a dict literal with a key that is no string (`{1: x}`),
   * which a task pushing one XCom per key (`multiple_outputs`) fails on.
   */
  readonly notMappings: readonly {
    readonly what: string;
    readonly span: Span;
    /** A tuple's items, when each is a name (`return uri, score`). */
    readonly names?: readonly string[];
  }[];
  /**
   * The strings it returns as they are written (alone, in a list, a tuple or a set, or as a
   * side of `x if c else y`; module-level constants too): the task ids a branch callable follows.
   */
  readonly returnedIds: readonly { readonly id: string; readonly span: Span }[];
  /**
   * Every `return` gives at most one id: None, one string (an f-string too), or a choice of
   * those (`"a" if c else "b"`), so a branch with this callable follows one task at most.
   */
  readonly returnsOneId: boolean;
  readonly pushes: readonly Push[];
  /** A push with a computed key, or the task context handed to code we cannot see. */
  readonly opaquePushes: boolean;
  readonly pulls: readonly Pull[];
  /** Other functions of the file it calls (their pushes count as its own). */
  readonly calls: readonly string[];
  /** Context variables it reads by name (parameters, `context["..."]`, `kwargs.get("...")`). */
  readonly contextUses: readonly ContextUse[];
}

export interface DagTask {
  /** Full id, group prefix included; for an id computed at parse time, a pattern with `*`. */
  readonly id: string;
  readonly dynamic: boolean;
  /**
   * How often the code that makes it runs for its DAG: `once`; `repeated` (a `for` over two or
   * more written-out items: Airflow meets the same id again); `maybe` (a branch, a loop over
   * what the file does not spell out, a function called who knows how often).
   */
  readonly creation: "once" | "repeated" | "maybe";
  /**
   * Made where Airflow puts it in a DAG: in a `with DAG` block or a @dag body, with `dag=` or
   * `task_group=` (or `**kwargs` that may hold them), or in a function (called who knows where).
   * A task made at module level otherwise is in no DAG until a dependency ties it to one.
   */
  readonly attached: boolean;
  /** The operator call, or the call of a TaskFlow function. */
  readonly span: Span;
  readonly node: PyNode;
  /** `BashOperator`, `@task`, `@task.bash`, ... */
  readonly operator: string;
  readonly isSensor: boolean;
  /** Keyword arguments of the operator call, or of the `@task(...)` decorator. */
  readonly kwargs: ReadonlyMap<string, PyNode>;
  /** `**options` among them: any argument may be set by it. */
  readonly kwargsOpen: boolean;
  /** Enclosing task groups, outermost first. */
  readonly groups: readonly string[];
  dag: string | null;
  /** The DAG it belongs to (ids may be computed, so two DAGs can share a null id). */
  readonly dagDecl: DagDecl | null;
  /** The Python function it runs, when the file defines it. */
  readonly callable: FunctionFacts | null;
  /**
   * What its call passes to that function, which Airflow then does not fill from the context:
   * the count of leading positional arguments (a TaskFlow call's, `op_args`) and the keyword
   * names (a TaskFlow call's, `.partial()`'s and `.expand()`'s); null when unknown (`*args`,
   * `**kwargs`, a computed `op_args`, `.expand_kwargs()`). `mapped`: a TaskFlow call ending in
   * `.expand()`, which Airflow binds partially (the mapped arguments come when it runs).
   */
  readonly callArgs: {
    readonly positional: number;
    readonly keywords: ReadonlySet<string>;
    readonly mapped?: boolean;
  } | null;
  /** Keys it pushes; null when unknown (an operator we do not model, computed keys). */
  readonly pushes: ReadonlySet<string> | null;
  readonly pushSpans: readonly Push[];
  readonly pulls: readonly Pull[];
}

/** A dependency the file sets: `up` runs before `down`; `at` the code that sets it. */
export interface Dependency {
  readonly up: string;
  readonly down: string;
  readonly at: Span | null;
}

/** A dependency between tasks of two DAGs, where it is set. */
export interface CrossDagDependency {
  readonly up: string;
  readonly down: string;
  readonly upDag: string;
  readonly downDag: string;
  readonly at: Span;
}

export interface DagDecl {
  readonly id: string | null;
  /**
   * A computed id's shape, its literal parts kept and the rest `*` (`f"ingest_{source}"`:
   * `ingest_*`), when it has literal parts; id is null then.
   */
  readonly idPattern?: string;
  /** The @dag function that builds it, for a DAG made by one. */
  readonly function?: string;
  /**
   * Made by `@asset(...)` or `@asset.multi(...)` (Airflow 3): `kwargs` are the decorator's,
   * which takes the DAG's arguments and the asset's, never a task's.
   */
  readonly asset?: "asset" | "asset.multi";
  /**
   * Made exactly once when the file is parsed: at module level (or decorating a module-level
   * function), not in a loop, a branch or a function body.
   */
  readonly once?: true;
  readonly span: Span;
  readonly kwargs: ReadonlyMap<string, PyNode>;
  /** `DAG(**common)`: arguments the analysis cannot see (default_args among them). */
  readonly kwargsOpen: boolean;
  /** Positional arguments, the dag_id's included (`DAG("etl", "the ETL")`: 2). */
  readonly positional: number;
  readonly defaultArgs: ArgDict | null;
  /** The dicts its default_args read from modules of the project, when there are any. */
  readonly importedDefaults?: readonly ImportedDict[];
  /**
   * The DAG's `params`, when they are a dict the file shows: its entries (those it cannot read
   * left out), and the dict, `open` when the file also changes it (`P["x"] = ...`, `**more`).
   */
  readonly params: { readonly dict: ArgDict; readonly entries: readonly DagParam[] } | null;
}

/** One of a DAG's params: a plain value, or a `Param(...)`. */
export interface DagParam {
  readonly name: string;
  /** The value as written. */
  readonly node: PyNode;
  /** For `Param(...)`: its default (first positional or `default=`; null for none) and keywords. */
  readonly param?: {
    readonly default: PyNode | null;
    readonly kwargs: ReadonlyMap<string, PyNode>;
    /** `Param(**spec)`: arguments the file does not show. */
    readonly open: boolean;
  };
}

export interface GroupDecl {
  readonly id: string;
  readonly defaultArgs: ArgDict | null;
  /** The group id as written (`TaskGroup("load")`), when it is one string literal. */
  readonly idNode?: PyNode;
}

export interface ImportDecl {
  readonly module: string;
  /** Imported name (`from m import name`), or null for `import m`. */
  readonly name: string | null;
  /** The name it is bound to, when not its own (`import pendulum as pdl`, `... import now as pnow`). */
  readonly as: string | null;
  readonly span: Span;
  /** Run when the file is parsed: at module level or in a @dag body, not under `if TYPE_CHECKING:`. */
  readonly topLevel: boolean;
  /** The @dag or @task_group function whose body holds it, when not at module level. */
  readonly within: string | null;
  /** `dag.test()` of a DAG of the file: the whole DAG runs when the file is parsed. */
  readonly dagTest?: true;
  /** The call itself (module-level calls), for the rules that read its arguments. */
  readonly node?: PyNode;
  /**
   * In a `try` that catches a failed import, or in its handler: the file imports whichever
   * way works (`try: from airflow.sdk import DAG` / `except ImportError: from airflow import DAG`).
   */
  readonly guarded?: true;
}

/** A call evaluated when the file is parsed (outside task functions and callbacks). */
/**
 * A DAG Airflow finds only through the module's names, and does not find there: made by a plain
 * `DAG(...)` call in a module-level loop, or returned by a factory function whose module-level
 * call drops the result or binds it to a name each pass of a loop binds again.
 */
export interface UnregisteredDag {
  readonly dag: DagDecl;
  /** The `DAG(...)` call, or the factory's call. */
  readonly span: Span;
  /** The name the result is bound to, each pass of the loop, or null. */
  readonly name: string | null;
  /** The factory function called, or null for a `DAG(...)` call of the loop's own. */
  readonly factory: string | null;
  /** A factory's call runs in a module-level loop. */
  readonly inLoop?: boolean;
}

export interface TopLevelCall {
  /** The callee as written, inner calls as `(...)`: `Variable.get`, `PostgresHook(...).get_records`. */
  readonly callee: string;
  readonly span: Span;
  /** The @dag or @task_group function whose body holds it, when not at module level. */
  readonly within: string | null;
  /** `dag.test()` of a DAG of the file: the whole DAG runs when the file is parsed. */
  readonly dagTest?: true;
  /** The call itself (module-level calls), for the rules that read its arguments. */
  readonly node?: PyNode;
}

/** A string literal with where it sits: task arguments and task function bodies. */
export interface TaskString {
  readonly task: string;
  /** `bash_command`, `env.DATA`, `code of function load`. */
  readonly where: string;
  readonly node: PyNode;
}

export interface DagFile {
  /**
   * The file's text (universal newlines), followed by the texts of the modules of the project
   * it reads dicts from (`grafts`), each on lines of its own past the file's.
   */
  readonly source: string;
  readonly lines: LineIndex;
  /** Where the file stops being Python (Airflow cannot import it), or null. */
  readonly syntaxError: { readonly span: Span; readonly detail: string } | null;
  /**
   * The fast parser declined the file (or a module it reads a dict from) and tree-sitter-python
   * was not loaded to judge it.
   */
  readonly syntaxUnchecked: boolean;
  readonly dags: readonly DagDecl[];
  readonly tasks: readonly DagTask[];
  readonly groups: ReadonlyMap<string, GroupDecl>;
  /**
   * `[upstream, downstream]` task nodes: a task's id, or, for an id that tasks of two DAGs of
   * the file share (a daily and an hourly variant), the id qualified by its DAG (`graphNode`).
   */
  readonly edges: readonly (readonly [string, string])[];
  /**
   * The dependencies the file surely sets, where it sets them, nodes named as in `edges`; a
   * task set after itself (`a >> a`) too. Empty when a @task_group is called more than once.
   */
  readonly dependencies: readonly Dependency[];
  /** Dependencies the file sets between tasks of two DAGs (Airflow refuses each). */
  readonly crossDagDependencies: readonly CrossDagDependency[];
  /**
   * @dag functions the file never calls when it is parsed, nor names anywhere but where it
   * defines them: Airflow builds no DAG from them.
   */
  readonly uncalledDagFunctions: readonly { readonly name: string; readonly span: Span }[];
  /**
   * DAGs made by a plain `DAG(...)` call in a module-level loop and never entered by a `with`
   * (which registers a DAG with Airflow): Airflow finds them only through the module's names,
   * where each pass rebinds `name` (the name the call is assigned to, or null).
   */
  readonly unregisteredDags: readonly UnregisteredDag[];
  /** Task ids that tasks of more than one DAG of the file have: their nodes name the DAG. */
  readonly sharedIds: ReadonlySet<string>;
  /** Some task id is computed (loops, f-strings): checks that need every id hold back. */
  readonly dynamicIds: boolean;
  /**
   * @task_group functions called more than once, by group id, with the number of calls after
   * the first: Airflow makes each again as `<group>__1`, `<group>__2`, ..., which the analysis
   * reads once, as the first.
   */
  readonly groupCopies: ReadonlyMap<string, number>;
  /**
   * Some dependency (`>>`, `chain`, `set_upstream`, ...) names tasks the analysis could not
   * resolve (a list built in a loop, `chain(*steps)`, a helper's return value): `edges` may
   * lack edges, and checks that need every edge (a race) hold back.
   */
  readonly edgesIncomplete: boolean;
  /**
   * The tasks made teardowns by `.as_teardown(...)` calls, nodes named as in `edges`, and their
   * on_failure_fail_dagrun (null: not a literal). `@teardown` tasks are not in it.
   */
  readonly teardowns: ReadonlyMap<string, boolean | null>;
  /**
   * Dependencies Airflow refuses when the file runs, so the file fails to import: `[a, b] >>
   * [c, d]` (two lists: Python's TypeError), `chain([a, b], [c, d, e])` (lists of two lengths).
   */
  readonly refusedDependencies: readonly {
    readonly span: Span;
    /** The code as written. */
    readonly code: string;
    /** What Python or Airflow raises. */
    readonly error: string;
    readonly hint: string;
  }[];
  /**
   * Some task argument names a template file (`sql="merge.sql"`) that was not read (a kind
   * mlgen does not read, not found, or including others), whose XCom pulls the file does not
   * show: checks that need every pull hold back.
   */
  readonly readsTemplateFiles: boolean;
  /** The template files task arguments name (`sql="sql/merge.sql"`), in the order of tasks. */
  readonly templateRefs: readonly TemplateRef[];
  /**
   * The template files read (lintPythonDag reads them when given a way to: `mlgen lint` does),
   * whose pulls are in their tasks' pulls.
   */
  readonly templates: readonly TemplateText[];
  /**
   * Template files task arguments name that are neither beside the DAG file nor in its
   * template_searchpath (read in full): Jinja's TemplateNotFound when the task renders.
   */
  readonly missingTemplates: readonly {
    readonly task: number;
    readonly arg: string;
    readonly name: string;
    /**
     * Named by an `{% include %}` or `{% import %}` of a template file the task reads: that
     * statement (its file, its place) and the file holding it.
     */
    readonly statement?: { readonly text: string; readonly by: string; readonly span: Located };
  }[];
  /** Names bound at module level (and in `@dag` bodies), to the value last assigned. */
  readonly constants: ReadonlyMap<string, PyNode>;
  /**
   * The string a module-level name holds when it is assigned one plain string once and only
   * ever read after (`DAG_ID = "etl"`, then `DAG(DAG_ID)`, `trigger_dag_id=DAG_ID`), else null.
   */
  readonly constantString: (name: string) => string | null;
  readonly imports: readonly ImportDecl[];
  readonly topLevelCalls: readonly TopLevelCall[];
  /**
   * The calls in the body of each plain function defined at module level (or in a @dag body),
   * by its name: what a parse-time call of it runs.
   */
  readonly helperCalls: ReadonlyMap<string, readonly TopLevelCall[]>;
  readonly strings: readonly TaskString[];
  /** Every string literal of the file (for template checks). */
  readonly allStrings: readonly PyNode[];
  /**
   * The Python comments that mention mlgen, by 1-based line, for `# mlgen: disable=...`: the
   * same words inside a string (a shell comment in a bash_command) silence nothing.
   */
  readonly mlgenComments: ReadonlyMap<number, string>;
  /**
   * The lines of strings that span lines, with the line their statement starts on and the
   * string's first and last lines (when the file mentions mlgen): a finding in a bash_command
   * is silenced from the statement's lines before the string, or after it on its last line.
   */
  readonly stringStatements: ReadonlyMap<number, readonly [number, number, number]>;
  /** `ti.execution_date`, `dag_run.execution_date` in code: attributes Airflow 3 removed. */
  readonly executionDateAttributes: readonly PyNode[];
  /**
   * `default_var=` given to the Task SDK's `Variable.get` (`from airflow.sdk import Variable`),
   * which takes `default=`: a TypeError on Airflow 3. With the call, to tell where it runs.
   */
  readonly sdkVariableDefaultVars: readonly { readonly call: PyNode; readonly keyword: PyNode }[];
  /**
   * The names bound at module level to a dict the analysis reads (`DEFAULT_ARGS = {...}`,
   * `dict(...)`, `{**BASE, ...}`), with the dicts of other modules they read: what a file
   * importing the name from this one reads (ModuleLookup).
   */
  readonly dicts: ReadonlyMap<
    string,
    { readonly dict: ArgDict; readonly imports: readonly ImportedDict[] }
  >;
  /** The modules whose texts follow the file's own in `source` (dicts it reads from them). */
  readonly grafts: readonly Graft[];
}

/** A task argument naming a file that Airflow loads and renders as the argument's template. */
export interface TemplateRef {
  /** The index of the task in DagFile.tasks. */
  readonly task: number;
  /** The argument: `sql`, `bash_command`. */
  readonly arg: string;
  /** The file name as written, which Airflow looks up in the DAG's template search path. */
  readonly name: string;
  /**
   * A kind of file mlgen reads as that argument's template: `.sql` (the SQL operators'
   * template_ext), `.hql` for a Hive operator, and `.sh` and `.bash` as a BashOperator's or
   * SSHOperator's command. A Python task's arguments never are (PythonOperator renders no
   * files).
   */
  readonly readable: boolean;
}

/** A template file read for a task argument: its text is the argument's value. */
export interface TemplateText {
  /** As findings name it: beside the DAG file's name, or the search path entry's path. */
  readonly file: string;
  /** As the argument names it (TemplateRef.name), or as `{% include %}` names it. */
  readonly name: string;
  readonly text: string;
  readonly lines: LineIndex;
  readonly task: number;
  readonly arg: string;
  /** Read because a template file of the same argument `{% include %}`s it. */
  readonly included?: true;
  /**
   * Read because a template file of the same argument imports it (`{% import 'f' as m %}`,
   * `{% from 'f' import a %}`): `by` that file's name as findings give it, `statement` the
   * import as written. `context`: the task's context reaches it (imported `with context`, by a
   * file the context reaches); without, Jinja gives it only its globals and the DAG's
   * user_defined_macros. `runs`: its macros the importing file calls (null: not known).
   */
  readonly imported?: {
    readonly by: string;
    readonly statement: string;
    readonly context: boolean;
    readonly runs: readonly string[] | null;
  };
}
