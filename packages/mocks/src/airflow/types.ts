import type { Clock } from "../clock.js";
import type { FakeApi } from "../fake.js";
import type { AirflowParam } from "./params.js";
import type { AirflowRole } from "./permissions.js";

/** How one try of a task ends: a state, or a state and how long it runs. */
export type TaskOutcome =
  | "success"
  | "failed"
  | "skipped"
  | {
      /** `skipped`: the task raised AirflowSkipException (it pushes nothing). */
      readonly state: "success" | "failed" | "skipped";
      readonly durationMs?: number;
      /** What this try printed: its log's lines (default: the task's `log`). */
      readonly log?: readonly string[];
      /**
       * The exception a failed try raised, as Python's last traceback line
       * (`"ValueError: no rows"`): its log ends with it, as Airflow's does. Default
       * `"Exception"` for a failed try. AirflowFailException, AirflowSensorTimeout and
       * AirflowTaskTerminated fail the task without its retries, as Airflow's task runner does
       * (by the bare class name: a subclass of your own is retried here, not on the server).
       */
      readonly error?: string;
      /**
       * How long this try waits, `queued`, for a worker to start it. Default the fake's
       * `taskStartDelayMs`. A try that waits past Airflow's `[scheduler] task_queued_timeout`
       * (600 s) is not failed here as the scheduler would fail it.
       */
      readonly startDelayMs?: number;
      /**
       * What this try returned, its `return_value` XCom, in place of the task's
       * `xcom.return_value`: a branch's choice (`{ state: "success", returns: "retrain" }`), a
       * short-circuit's condition.
       */
      readonly returns?: unknown;
    };

/**
 * A DAG's script: per task id, how it ends — one outcome for every try, or a list by try
 * (`["failed", "success"]`: the first try fails, the rerun after a clear succeeds; the last entry
 * repeats). Tasks not named succeed. One instance of a mapped task by `task_id[map_index]`
 * (`"train[2]": "failed"`), before its task id.
 */
export type AirflowDagScript = Readonly<Record<string, TaskOutcome | readonly TaskOutcome[]>>;

export interface AirflowTaskSpec {
  readonly taskId: string;
  /** Task ids this task waits for, as its `triggerRule` asks (default: all must succeed). */
  readonly upstream?: readonly string[];
  /** Class name Airflow reports as `operator`. Default `_PythonDecoratedOperator` (a `@task`). */
  readonly operator?: string;
  /** `operator_name`. Default `@task` for the default operator, else the operator. */
  readonly operatorName?: string;
  /**
   * XComs the task pushes when it succeeds, by key (`return_value` for a returned value); for a
   * mapped task, a function of the map index gives each instance its own.
   */
  readonly xcom?:
    | Readonly<Record<string, unknown>>
    | ((mapIndex: number) => Readonly<Record<string, unknown>>);
  /**
   * XComs a try pushes before it fails (`ti.xcom_push(...)`, then a raise), by key: Airflow
   * keeps them, and the API serves them for the failed task instance.
   */
  readonly xcomOnFailure?: Readonly<Record<string, unknown>>;
  /** How long each try runs on the fake's clock. Default: the DAG's, then the fake's `taskDurationMs`. */
  readonly durationMs?: number;
  /**
   * The pool its task instances take slots of (`pool=`). Default `default_pool` (128 slots). A
   * scheduled task instance is queued only when the pool has `poolSlots` open slots (its slots
   * minus what its queued and running task instances take; -1 slots is unlimited): in a pool
   * of 0 slots, a full one, or one that does not exist, it stays `scheduled`, as on the server,
   * until a slot opens (a task ends, PATCH/POST /pools).
   */
  readonly pool?: string;
  /** Slots of its pool each task instance takes (`pool_slots=`). Default 1. */
  readonly poolSlots?: number;
  /**
   * What each try prints: its log's lines (GET .../logs/{try_number}), unless the script's
   * outcome for that try gives its own. Default none.
   */
  readonly log?: readonly string[];
  /**
   * How many times a failed try is retried (`retries=`): the task instance goes
   * `up_for_retry`, and after `retryDelayMs` is scheduled again with the next try number; its
   * downstream tasks wait. Give the script a list of outcomes (`["failed", "success"]`) for a
   * task that succeeds on a retry. Default 0.
   */
  readonly retries?: number;
  /** The wait before a retry (`retry_delay=`), in ms of the fake's clock. Default 300,000 (Airflow's 5 minutes). */
  readonly retryDelayMs?: number;
  /**
   * A mapped task (`.expand(...)`): one task instance per item, map indexes 0, 1, …. A number
   * is a literal list's length (`.expand(x=[1, 2, 3])`: 3), its instances there from the run's
   * start; `{ task }` maps over what that upstream task returned (its `return_value` XCom: a
   * list's items or a dict's keys; over a mapped task, one item per instance that returned
   * something), as `.expand(x=upstream())` does, and waits for it. Until then the task has one
   * instance, map index -1, with no state; it is replaced by the mapped ones when it is ready
   * to run, or `skipped` when there is nothing to map over (`upstream_failed` when what it maps
   * over has not succeeded, or not finished). What comes after counts every instance.
   */
  readonly expand?: number | { readonly task: string };
  /**
   * When it runs, as Airflow's `trigger_rule=` (default `all_success`), counting every instance
   * of a mapped upstream task: `all_done` (a cleanup), `one_failed` (an alert), `none_failed`
   * (after a branch), ..., each setting it `skipped` or `upstream_failed` where Airflow's
   * TriggerRuleDep does. `always` runs at once, without waiting for its upstream tasks.
   */
  readonly triggerRule?: AirflowTriggerRule;
  /**
   * A sensor in reschedule mode (`mode="reschedule"`, mlgen's default): how many pokes of each
   * try find nothing before the one that ends as the script says. Each such poke runs
   * `durationMs`, ends `up_for_reschedule` (its `end_date` and `duration` set, its pool slot
   * freed), and after `pokeIntervalMs` is scheduled again with the same try number. Default 0;
   * `Infinity` for a sensor that never finds it, which `timeoutMs` ends.
   */
  readonly reschedules?: number;
  /**
   * A sensor in poke mode (`mode="poke"`): how many pokes of each try find nothing before the
   * one that ends as the script says. The try runs all along, holding its pool slot: each poke
   * runs `durationMs`, and the try sleeps `pokeIntervalMs` after each that found nothing. Its
   * `timeoutMs` counts from the try's start. Default 0; `Infinity` for a sensor that never
   * finds it, which `timeoutMs` ends. Not with `reschedules`.
   */
  readonly pokes?: number;
  /** The sensor's `poke_interval`, in ms of the fake's clock. Default 60,000 (Airflow's 60 s). */
  readonly pokeIntervalMs?: number;
  /**
   * The sensor's `timeout`, in ms of the fake's clock: a poke that finds nothing once this long
   * has passed since the try's first poke that found nothing ended (the first task_reschedule
   * row's start date; the first poke itself against its own duration, so a timeout shorter
   * than a poke, or 0, ends it there; in poke mode, since the try started) raises AirflowSensorTimeout, which fails the task
   * without a retry, pushing nothing, its log ending with the exception, or skips it with
   * `softFail`. A poke that finds it is never late. A new try (a retry, a clear) counts from
   * its own first poke. Default 604,800,000 (Airflow's `[sensors] default_timeout`, 7 days:
   * with `reschedules: Infinity` and a short `pokeIntervalMs`, `settle()` takes that many
   * pokes).
   */
  readonly timeoutMs?: number;
  /**
   * The sensor's `soft_fail` (for a sensor only: Airflow has it on no other operator): when it
   * times out, it is `skipped`, not `failed`; so is a try
   * whose script fails it with an `error` of AirflowFailException, AirflowSensorTimeout or
   * AirflowTaskTimeout (`{ state: "failed", error: "AirflowFailException: no data" }`), as
   * BaseSensorOperator.execute skips a poke that raises one (pushing its `xcomOnFailure`, its
   * log without the exception). Any other error fails it, retried as usual.
   */
  readonly softFail?: boolean;
  /**
   * `max_active_tis_per_dag`: instances of this task queued or running at once across the
   * DAG's runs; the others stay `scheduled` until one ends. Default none.
   */
  readonly maxActiveTisPerDag?: number;
  /**
   * `max_active_tis_per_dagrun`: instances of this task queued or running at once in one run
   * (a mapped task's width). Default none.
   */
  readonly maxActiveTisPerDagrun?: number;
  /**
   * A task that skips tasks after it when it succeeds, as Airflow's SkipMixin operators do, by
   * what it returns (its `return_value`: the task's `xcom`, or the try's `returns`):
   * - `"branch"` (BranchPythonOperator, `@task.branch`): it returns the task ids to follow (one,
   *   a list, or None for none; a TaskGroup's id follows the group's first tasks); the tasks
   *   right after it that are not followed, and not after a followed one, are skipped. It
   *   pushes `skipmixin_key` (`{ followed: [...] }`, unless nothing comes after it) and, only
   *   when it skipped nothing, its return value. An id the DAG does not have fails the try, as
   *   on the server.
   * - `"short_circuit"` (ShortCircuitOperator, `@task.short_circuit`): a falsy return value (as
   *   Python judges it) skips every task after it (`ignore_downstream_trigger_rules=True`,
   *   Airflow's default), pushing `skipmixin_key` (`{ skipped: [...] }`) and no return value;
   *   `"short_circuit_direct"` (`ignore_downstream_trigger_rules=False`) skips only the tasks
   *   right after it, and the trigger rules of the rest decide.
   *
   * A task instance a skip reaches that is not running or done is `skipped`; one cleared later
   * is skipped again (NotPreviouslySkippedDep). Not for a mapped task. It does not set the
   * operator: give `operator` too (`BranchPythonOperator`, `ShortCircuitOperator`).
   */
  readonly skips?: "branch" | "short_circuit" | "short_circuit_direct";
  /**
   * A setup task (`as_setup()`): what comes after it needs it to succeed, directly or not (a
   * task after the work it sets up waits for it too), and clearing a task clears the setups
   * it needs and their teardowns.
   */
  readonly setup?: boolean;
  /**
   * A teardown task (`as_teardown(setups=...)`, its setups among its `upstream`): trigger
   * rule `all_done_setup_success` (it runs once everything before it is done, if one of its
   * setups succeeded; skipped when they all were, `upstream_failed` when none succeeded), and
   * it waits for every task between its setups and it. A run is judged without its teardowns
   * (`on_failure_fail_dagrun=False`): a failed cleanup does not fail the run.
   */
  readonly teardown?: boolean;
  /**
   * A TriggerDagRunOperator: when a try succeeds (its script's way), it starts a run of
   * another DAG of the fake, as Airflow 3.3's task runner does (`_handle_trigger_dag_run`).
   * Give `operator: "TriggerDagRunOperator"` too.
   */
  readonly triggers?: AirflowTaskTrigger;
}

/**
 * What a TriggerDagRunOperator task starts. The run is an `operator_triggered` one (triggered
 * by `operator`, its triggering user the one who triggered this run), with a logical date of
 * the moment its try starts; the try pushes `_link_TriggerDagRunLink` (the run's page,
 * `/dags/<id>/runs/<run id>` under Airflow's `[api] base_url`, unset by default) and, once the
 * run is made, `trigger_run_id`. A DAG the fake does not have fails the try (retried as any
 * failure); so do a run id or a conf Airflow refuses. A run id the DAG already has fails the
 * task, without a retry, or skips it with `skipWhenExists`.
 */
export interface AirflowTaskTrigger {
  /** `trigger_dag_id`. */
  readonly dagId: string;
  /**
   * `trigger_run_id`, or a function of the triggering run (a template such as
   * `deploy__{{ run_id }}`: `(run) => \`deploy__${run.runId}\``). Default Airflow's:
   * `manual__<the time it starts>`.
   */
  readonly runId?: string | ((run: { readonly runId: string }) => string);
  /** `conf`. Default `{}`. */
  readonly conf?: Readonly<Record<string, unknown>>;
  /** `skip_when_already_exists`. */
  readonly skipWhenExists?: boolean;
  /**
   * `wait_for_completion`: the try goes on, checking the run's state every `pokeIntervalMs`
   * (default 60 s, `poke_interval`), and succeeds once it is in `allowedStates` (default
   * `["success"]`, an empty list too) or fails once it is in `failedStates` (default
   * `["failed"]`), retried as any failure (a retry with a fixed `runId` finds the run there and
   * fails at once). A run deleted while it waits fails the try.
   */
  readonly wait?:
    | boolean
    | {
        readonly pokeIntervalMs?: number;
        readonly allowedStates?: readonly AirflowDagRunState[];
        readonly failedStates?: readonly AirflowDagRunState[];
      };
}

/** A DAG run's states. */
export type AirflowDagRunState = "queued" | "running" | "success" | "failed";

/** Airflow 3's trigger rules (`all_done_setup_success` is a teardown's: give `teardown: true`). */
export type AirflowTriggerRule =
  | "all_success"
  | "all_failed"
  | "all_done"
  | "all_done_min_one_success"
  | "all_skipped"
  | "one_success"
  | "one_failed"
  | "one_done"
  | "none_failed"
  | "none_failed_min_one_success"
  | "none_skipped"
  | "always"
  | "all_done_setup_success";

export interface AirflowDagSpec {
  readonly dagId: string;
  /** In definition order (Airflow lists a run's task instances in this order). */
  readonly tasks: readonly AirflowTaskSpec[];
  /** Default false: unpaused, where Airflow pauses a new DAG (`dags_are_paused_at_creation`). */
  readonly isPaused?: boolean;
  readonly tags?: readonly string[];
  /** Schedule as written in the DAG (`"@daily"`); null/absent: manual only. */
  readonly schedule?: string | null;
  /** Absolute path of the DAG file. Default `/opt/airflow/dags/<dagId>.py`. */
  readonly fileloc?: string;
  readonly description?: string | null;
  readonly owners?: readonly string[];
  /**
   * The DAG's `start_date` (DAG details; every task's too). A run whose logical date is before
   * it gets no task instances, as in Airflow: it ends `success` having run nothing (no XComs).
   * Default none.
   */
  readonly startDate?: number | string | Date;
  /** The file's text, for GET /dagSources. */
  readonly source?: string;
  readonly script?: AirflowDagScript;
  /** Default duration of this DAG's tasks. */
  readonly taskDurationMs?: number;
  /**
   * The DAG's `params`, by name: a value (`{ n: 5 }`, as `params={"n": 5}`) or a Param's
   * default and JSON Schema (`{ n: { default: 100, schema: { type: "integer", minimum: 1 } } }`
   * for `Param(100, type="integer", minimum=1)`). A trigger whose conf (or a default) a schema
   * refuses gets Airflow's 400 (`Invalid input for param n: 'fifty' is not of type
   * 'integer'`); GET .../details lists them. Default none.
   */
  readonly params?: Readonly<Record<string, AirflowParam>>;
  /**
   * `max_active_runs`: runs of the DAG running at once; the others stay queued, started as runs
   * end, in the order they became ready (queued, past their run_after). Default 16 (`[core]
   * max_active_runs_per_dag`).
   */
  readonly maxActiveRuns?: number;
  /**
   * `max_active_tasks`: task instances of one run queued or running at once (Airflow 3 counts
   * them per run); the others stay `scheduled` until one ends. Default 16 (`[core]
   * max_active_tasks_per_dag`).
   */
  readonly maxActiveTasks?: number;
}

export interface AirflowImportErrorSpec {
  /** Path relative to the bundle, as Airflow reports it, e.g. `broken_dag.py`. */
  readonly filename: string;
  readonly stackTrace: string;
  readonly bundleName?: string;
  /** Default: the fake's clock when seeded. */
  readonly timestamp?: number | string | Date;
}

/**
 * A user of the fake's auth manager, as Airflow 3's SimpleAuthManager has them
 * (`[core] simple_auth_manager_users = "alice:viewer,bob:admin"`, passwords in
 * `simple_auth_manager_passwords_file`).
 */
export interface AirflowFakeUser {
  readonly username: string;
  readonly password: string;
  /**
   * What the user may do: `viewer` reads DAGs, runs, task instances, XComs, logs, pools and
   * import errors (not variables); `user` also triggers, pauses, clears, patches and deletes
   * runs; `op` also reads and writes variables and pools; `admin` everything. Anything else gets
   * 403 `{"detail": "Forbidden"}`.
   */
  readonly role: AirflowRole;
}

export interface AirflowFakeOptions {
  /** Default `http://airflow.mock`. */
  readonly baseUrl?: string;
  /** Default the system clock; a manual clock moves runs and token expiry only when told. */
  readonly clock?: Clock;
  /**
   * Credentials POST /auth/token accepts, for one user with the admin role. Default admin/admin.
   * Not together with `users`.
   */
  readonly username?: string;
  readonly password?: string;
  /**
   * Every user POST /auth/token accepts, each with a role; a token carries its user's role and
   * each route checks it as SimpleAuthManager does. Replaces the default admin/admin user (as
   * `simple_auth_manager_users` replaces Airflow's default `admin:admin`), so list an admin too
   * if tests need one.
   */
  readonly users?: readonly AirflowFakeUser[];
  /** Token lifetime (`[api_auth] jwt_expiration_time`). Default 86400. */
  readonly tokenTtlSeconds?: number;
  /** `[api_auth] jwt_leeway`: seconds a token is still accepted after expiry. Default 0 (Airflow: 10). */
  readonly tokenLeewaySeconds?: number;
  /** Default duration of every task try (`running` until it ends). Default 1000 ms. */
  readonly taskDurationMs?: number;
  /**
   * Time a run is `queued` after its trigger (or clear) before the scheduler starts it (also
   * waiting for its `run_after`, an unpaused DAG and a free `max_active_runs` slot). Default 1
   * ms, and never less: the scheduler never starts a run in the instant it was queued (a real
   * one takes about a second).
   */
  readonly schedulerDelayMs?: number;
  /**
   * Time a task instance is `scheduled` (its upstream done, its try number counted) before the
   * scheduler queues it, given an open slot in its pool. Default 1 ms (the server's next
   * scheduler pass: milliseconds, or a loop of about a second).
   */
  readonly taskQueueDelayMs?: number;
  /**
   * Time a task instance is `queued` before a worker starts it (`running`): the executor's
   * latency. Default 1 ms; a LocalExecutor takes a fraction of a second to seconds, Celery or
   * Kubernetes workers seconds to minutes. A script's try can give its own (`startDelayMs`).
   */
  readonly taskStartDelayMs?: number;
  /** What GET /api/v2/version answers. Default 3.3.2 (the version the fake was checked against). */
  readonly version?: string;
  /** `hostname` of task instances that ran. Default `airflow.mock`. */
  readonly hostname?: string;
  /** `unixname` of task instances. Default `airflow`. */
  readonly unixname?: string;
  /** DAGs present from the start (and again after reset()). */
  readonly dags?: readonly AirflowDagSpec[];
  /** Import errors present from the start (and again after reset()). */
  readonly importErrors?: readonly AirflowImportErrorSpec[];
}

export interface AirflowFake extends FakeApi {
  readonly clock: Clock;
  /** Adds (or replaces) a DAG as if the dag-processor had parsed it. */
  addDag(spec: AirflowDagSpec): void;
  /** Removes a DAG and its runs. */
  removeDag(dagId: string): void;
  /** Replaces a DAG's script (applies to tries that start from now on). */
  setScript(dagId: string, script: AirflowDagScript): void;
  /** Adds an import error (a file that failed to parse); returns its id. */
  addImportError(spec: AirflowImportErrorSpec): number;
  /** Sets a variable directly (the value as text, as Airflow stores it). */
  setVariable(key: string, value: string, description?: string | null): void;
  /** Every token issued so far expires now (the next API call gets 401 "Token Expired"). */
  expireTokens(): void;
  /** How many tokens POST /auth/token issued since the last reset. */
  tokenRequests(): number;
  /**
   * Runs every queued or running DAG run (of unpaused DAGs) to its end now, task by task with
   * their durations; timestamps are what they would be, even if later than the clock. A task
   * instance whose pool has no open slot stays `scheduled` (and its run `running`) until one opens.
   */
  settle(): void;
  /** Brings runs up to the clock without a request (requests do this themselves). */
  tick(): void;
}
