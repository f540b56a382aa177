"""The kfp side of bench/kfp-bench.ts: a chain of N lightweight components, compiled to YAML.

The same pipeline as the generated mlgen project: a `seed: int = 1` parameter, then N tasks of
one `@dsl.component` (python:3.11-slim), each passing its integer output on to the next one.
bench/kfp-bench.ts copies this file into its temp folder once per size with the two settings
below replaced; run as is, it compiles a 10-task chain next to itself.

    .venv-kfp/bin/python bench/kfp-peer/gen_pipeline.py

When KFP_BENCH_STATS names a file, the phase times (import kfp, define the component and the
pipeline, compile) and the process's peak RSS are written there as JSON at the end.
"""

import time

_t0 = time.perf_counter()

import json
import os
import resource

from kfp import compiler, dsl

_t1 = time.perf_counter()

N = 10  # mlgen-bench: N
OUT = "chain_10.yaml"  # mlgen-bench: OUT


@dsl.component(base_image="python:3.11-slim")
def step(value: int) -> int:
    """One step of the benchmark chain."""
    return value + 1


@dsl.pipeline(name=f"chain-{N}", description=f"A chain of {N} lightweight components.")
def chain(seed: int = 1):
    task = step(value=seed)
    for _ in range(1, N):
        task = step(value=task.output)


_t2 = time.perf_counter()
compiler.Compiler().compile(
    chain, os.path.join(os.path.dirname(os.path.abspath(__file__)), OUT)
)
_t3 = time.perf_counter()

if os.environ.get("KFP_BENCH_STATS"):
    with open(os.environ["KFP_BENCH_STATS"], "w") as f:
        json.dump(
            {
                "import_s": _t1 - _t0,
                "define_s": _t2 - _t1,
                "compile_s": _t3 - _t2,
                "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            },
            f,
        )
