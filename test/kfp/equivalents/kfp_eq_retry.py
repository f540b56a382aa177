"""kfp equivalent of test/fixtures/pipelines/kfp-eq-retry.pipeline.ts: task.set_retry with
mlgen's (Airflow's) retry options spelled out: num_retries = retries, backoff_duration =
retryDelay, backoff_factor = retryExponentialBackoff (1 when off), and backoff_max_duration
the whole window of Airflow's schedule (KFP ends retrying that long after the first try
started): every wait between tries plus, for every try, its execution timeout (600 s, set with
kubernetes.set_timeout on every task) and 600 s for its pod to start."""

from kfp import dsl, kubernetes

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def fetch(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def upload(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def flaky(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def always(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def once(name: str):
    print(f"step {name}")


@dsl.container_component
def push():
    return dsl.ContainerSpec(image="alpine:3.20", command=["echo"], args=["push"])


@dsl.component(base_image=BASE)
def cleanup_sweep(name: str):
    print(f"step {name}")


# Each try: 600 s of execution timeout + 600 s for the pod to start.
TRY = 600 + 600


@dsl.pipeline(name="cleanup")
def cleanup():
    sweep = cleanup_sweep(name="sweep")
    sweep.set_retry(
        num_retries=4,
        backoff_duration="5s",
        backoff_factor=1,
        backoff_max_duration=f"{4 * 5 + 5 * TRY}s",
    )
    kubernetes.set_timeout(sweep, 600)


@dsl.pipeline(
    name="kfp-eq-retry",
    display_name="kfp_eq_retry",
    description="Retry policies, compared with kfp's compiler.",
)
def kfp_eq_retry():
    f = fetch(name="fetch")
    f.set_retry(
        num_retries=2,
        backoff_duration="30s",
        backoff_factor=1,
        backoff_max_duration=f"{2 * 30 + 3 * TRY}s",
    )
    u = upload(name="upload").after(f)
    # maxRetryDelay (30 min) caps no wait here: the last is 960 s.
    u.set_retry(
        num_retries=5,
        backoff_duration="60s",
        backoff_factor=2,
        backoff_max_duration=f"{60 + 120 + 240 + 480 + 960 + 6 * TRY}s",
    )
    fl = flaky(name="flaky").after(u)
    fl.set_retry(
        num_retries=3,
        backoff_duration="30s",
        backoff_factor=3,
        backoff_max_duration=f"{30 + 90 + 270 + 4 * TRY}s",
    )
    # triggerRule all_done: run once flaky has ended, whatever its state.
    al = always(name="always").after(fl).ignore_upstream_failure()
    # retries: 0 turns the pipeline's default off: no retry policy.
    on = once(name="once")
    p = push().after(u)
    p.set_retry(
        num_retries=1,
        backoff_duration="30s",
        backoff_factor=1,
        backoff_max_duration=f"{30 + 2 * TRY}s",
    )
    for task in (f, u, fl, al, on, p):
        kubernetes.set_timeout(task, 600)
    cleanup()
