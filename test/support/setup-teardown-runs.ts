/**
 * How runs of the setup-teardown fixture end: what `airflow dags test` gives on real Airflow 3.3.2
 * (test/engines/setup-teardown.test.ts), and what the Airflow fake must give for the same DAG
 * (packages/mocks/test/airflow-pipeline.test.ts). Task states by task id, and the run's state.
 */
export const SETUP_TEARDOWN_RUNS = {
  /** Nothing fails: the teardown removes what the setup made. */
  ok: {
    state: "success",
    tasks: {
      create_scratch: "success",
      warm_cache: "success",
      work: "success",
      remove_scratch: "success",
      say_done: "success",
      "batch.open": "success",
      "batch.step": "success",
      "batch.close": "success",
      publish: "success",
    },
  },
  /**
   * The work fails (and the group's step): the teardowns still run, the task after the group
   * does not, and the run fails (a teardown is left out of its state).
   */
  failWork: {
    state: "failed",
    tasks: {
      create_scratch: "success",
      warm_cache: "success",
      work: "failed",
      // It reads the work's output: None, and it still removes the folder.
      remove_scratch: "success",
      say_done: "success",
      "batch.open": "success",
      "batch.step": "failed",
      "batch.close": "success",
      // After the group: it waits for the group's work, not for its teardown alone.
      publish: "upstream_failed",
    },
  },
  /** The setup fails: its teardown does not run (nothing to remove); one without setups does. */
  failSetup: {
    state: "failed",
    tasks: {
      create_scratch: "failed",
      warm_cache: "success",
      work: "upstream_failed",
      remove_scratch: "upstream_failed",
      say_done: "success",
      "batch.open": "success",
      "batch.step": "success",
      "batch.close": "success",
      publish: "success",
    },
  },
} as const;
