"""kfp equivalent of test/fixtures/pipelines/kfp-eq-retry.pipeline.ts: task.set_retry with
mlgen's (Airflow's) retry options spelled out: num_retries = retries, backoff_duration =
retryDelay, backoff_factor = retryExponentialBackoff (1 when off), backoff_max_duration =
maxRetryDelay (kfp's default 3600s when unset)."""

from kfp import dsl

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
    return dsl.ContainerSpec(image="alpine:3.20", args=["push"])


@dsl.component(base_image=BASE)
def cleanup_sweep(name: str):
    print(f"step {name}")


@dsl.pipeline(name="cleanup")
def cleanup():
    cleanup_sweep(name="sweep").set_display_name("cleanup.sweep").set_retry(
        num_retries=4,
        backoff_duration="5s",
        backoff_factor=1,
        backoff_max_duration="3600s",
    )


@dsl.pipeline(
    name="kfp-eq-retry",
    display_name="kfp_eq_retry",
    description="Retry policies, compared with kfp's compiler.",
)
def kfp_eq_retry():
    f = fetch(name="fetch").set_display_name("fetch")
    f.set_retry(
        num_retries=2,
        backoff_duration="30s",
        backoff_factor=1,
        backoff_max_duration="3600s",
    )
    u = upload(name="upload").set_display_name("upload").after(f)
    u.set_retry(
        num_retries=5,
        backoff_duration="60s",
        backoff_factor=2,
        backoff_max_duration="1800s",
    )
    fl = flaky(name="flaky").set_display_name("flaky").after(u)
    fl.set_retry(
        num_retries=3,
        backoff_duration="30s",
        backoff_factor=3,
        backoff_max_duration="7200s",
    )
    # triggerRule all_done: run once flaky has ended, whatever its state.
    always(name="always").set_display_name("always").after(fl).ignore_upstream_failure()
    # retries: 0 turns the pipeline's default off: no retry policy.
    once(name="once").set_display_name("once")
    p = push().set_display_name("push").after(u)
    p.set_retry(
        num_retries=1,
        backoff_duration="30s",
        backoff_factor=1,
        backoff_max_duration="3600s",
    )
    cleanup()
