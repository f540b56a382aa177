"""kfp equivalent of test/fixtures/pipelines/kfp-eq-groups.pipeline.ts: mlgen's task groups are
nested @dsl.pipeline functions called as components. kfp names a sub-pipeline's task and
component after the pipeline's name, and the tasks inside after their components: the names
below reproduce mlgen's keys (`training`, `training-evaluation`, `training-evaluation-score`).
A group that is a branch target is a sub-pipeline called inside dsl.If."""

from kfp import dsl

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def prepare(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def training_fit(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def training_evaluation_score(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def training_evaluation_compare(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def publish(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def release_tag(name: str):
    print(f"step {name}")


@dsl.pipeline(name="release")
def release_group():
    release_tag(name="tag")


@dsl.pipeline(name="training-evaluation")
def evaluation():
    score = training_evaluation_score(name="score")
    training_evaluation_compare(name="compare").after(score)


@dsl.pipeline(name="training")
def training():
    fit = training_fit(name="fit")
    evaluation().after(fit)


@dsl.pipeline(
    name="kfp-eq-groups",
    display_name="kfp_eq_groups",
    description="A task group inside a task group, compared with kfp's compiler.",
)
def kfp_eq_groups(release: bool = True):
    prep = prepare(name="prepare")
    train = training().after(prep)
    pub = publish(name="publish").after(train)
    with dsl.If(release == True):  # a channel: builds a condition
        release_group().after(pub)
