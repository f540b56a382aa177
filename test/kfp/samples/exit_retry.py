"""ExitHandler with PipelineTaskFinalStatus, retries, nested groups (a static ParallelFor with an
If inside, inside the exit handler) and kfp.kubernetes.set_timeout on a lightweight task.
Runs offline under kfp.local: `flaky` fails its first `fail_times` attempts (counted in the
`marker` file) and succeeds on a retry; a negative `lr` makes `train` fail, so the exit task
reports FAILED."""

from kfp import dsl, kubernetes
from kfp.dsl import PipelineTaskFinalStatus

BASE = "python:3.11"


@dsl.component(base_image=BASE)
def train(lr: float) -> float:
    if lr < 0:
        raise ValueError(f"negative learning rate {lr}")
    return lr * 10


@dsl.component(base_image=BASE)
def flaky(marker: str, fail_times: int) -> int:
    import os

    attempt = 1
    if marker:
        attempt = (int(open(marker).read()) if os.path.exists(marker) else 0) + 1
        with open(marker, "w") as f:
            f.write(str(attempt))
    if attempt <= fail_times:
        raise RuntimeError(f"attempt {attempt} fails on purpose")
    return attempt


@dsl.component(base_image=BASE)
def evaluate(name: str, score: float) -> str:
    return f"{name}:{score}"


@dsl.component(base_image=BASE)
def notify(status: PipelineTaskFinalStatus, channel: str) -> str:
    msg = f"{channel} {status.state} {status.pipeline_task_name}"
    print(msg)
    return msg


@dsl.pipeline(name="exit-retry")
def exit_retry(
    lr: float = 0.5, channel: str = "#ml", marker: str = "", fail_times: int = 0
):
    final = notify(channel=channel)
    with dsl.ExitHandler(final, name="guarded"):
        t = train(lr=lr)
        t.set_retry(num_retries=3)
        kubernetes.set_timeout(t, 120)
        f = flaky(marker=marker, fail_times=fail_times)
        f.set_retry(num_retries=2, backoff_duration="0s", backoff_factor=1.0)
        f.after(t)
        with dsl.ParallelFor(["a", "b"]) as name:
            with dsl.If(t.output > 1.0):
                evaluate(name=name, score=t.output)
