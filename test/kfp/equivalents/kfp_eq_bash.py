"""kfp equivalent of test/fixtures/pipelines/kfp-eq-bash.pipeline.ts: mlgen's bash task is a
container component on the default image running `bash -c` (as BashOperator does); run-time
environment values come in as inputs named `env_<VAR>` and are exported from the positional
arguments (`${1}`: braces, as the tenth and later need), which `set --` then clears (the
command sees no arguments, as under BashOperator); literal ones are
set on the container. mlgen compiles it with `kubeflow: { caching: false }`: every task
has set_caching_options(False)."""

from typing import NamedTuple

from kfp import dsl

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def make_message(who: str) -> NamedTuple("Outputs", [("msg", str)]):
    return (f"hello {who}",)


@dsl.container_component
def announce(env_LEVEL: str, env_MSG: str):
    return dsl.ContainerSpec(
        image=BASE,
        command=[
            "bash",
            "-c",
            'export LEVEL="${1}"\nexport MSG="${2}"\nset --\necho "[$LEVEL] $MSG from $ORIGIN"',
            "bash",
        ],
        args=[env_LEVEL, env_MSG],
    )


@dsl.pipeline(
    name="kfp-eq-bash",
    display_name="kfp_eq_bash",
    description="A bash task with its environment, compared with kfp's compiler.",
)
def kfp_eq_bash(level: str = "info"):
    msg = make_message(who="world").set_caching_options(False)
    task = announce(env_LEVEL=level, env_MSG=msg.outputs["msg"])
    task.set_env_variable("ORIGIN", "mlgen").set_caching_options(False)
