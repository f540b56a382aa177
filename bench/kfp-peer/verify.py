"""Checks the pipelines bench/kfp-bench.ts compares before any timing counts.

Usage: verify.py N FILE.yaml [N FILE.yaml ...]

Each file must load with kfp.components.load_component_from_file (what a user of the YAML
calls) and be a chain of exactly N tasks: one root DAG without sub-DAGs, each task but the
first depending on the one before and reading its integer output, the first reading the
`seed` parameter. Prints one JSON line per file ({"file", "ok", "tasks", "errors"}) and exits
1 if any file fails.
"""

import json
import sys
import warnings

warnings.filterwarnings("ignore")

from kfp import components


def check(n: int, path: str) -> dict:
    errors: list[str] = []
    tasks: dict = {}
    try:
        comp = components.load_component_from_file(path)
        spec = comp.pipeline_spec
        tasks = dict(spec.root.dag.tasks)
        if len(tasks) != n:
            errors.append(f"expected {n} tasks in root.dag, found {len(tasks)}")
        subdags = [
            k
            for k, c in spec.components.items()
            if c.WhichOneof("implementation") == "dag"
        ]
        if subdags:
            errors.append(f"unexpected sub-DAGs: {subdags[:3]}")
        if len(spec.deployment_spec.fields["executors"].struct_value.fields) != n:
            errors.append("expected one executor per task")
        firsts = []
        for key, t in tasks.items():
            deps = list(t.dependent_tasks)
            params = dict(t.inputs.parameters)
            if len(params) != 1:
                errors.append(f"{key}: expected one input, found {sorted(params)}")
                continue
            (p,) = params.values()
            kind = p.WhichOneof("kind")
            if not deps:
                firsts.append(key)
                if (
                    kind != "component_input_parameter"
                    or p.component_input_parameter != "seed"
                ):
                    errors.append(f"{key}: the first task must read the seed param")
            elif len(deps) != 1:
                errors.append(f"{key}: expected one upstream task, found {deps}")
            elif (
                kind != "task_output_parameter"
                or p.task_output_parameter.producer_task != deps[0]
            ):
                errors.append(f"{key}: does not read the output of {deps[0]}")
            out = spec.components[t.component_ref.name].output_definitions.parameters
            if [v.parameter_type for v in out.values()] != [2]:  # NUMBER_INTEGER
                errors.append(f"{key}: expected one integer output")
        if len(firsts) != 1:
            errors.append(f"expected exactly one first task, found {len(firsts)}")
        # One chain: following the dependencies back from every task reaches the first one.
        downstream = {}
        for key, t in tasks.items():
            for d in t.dependent_tasks:
                downstream.setdefault(d, []).append(key)
        length, cur = 1, firsts[0] if firsts else None
        while cur is not None and len(downstream.get(cur, [])) == 1:
            cur = downstream[cur][0]
            length += 1
        if length != n:
            errors.append(
                f"the chain from the first task is {length} tasks long, not {n}"
            )
    except Exception as e:  # noqa: BLE001 - reported, not raised
        errors.append(f"{type(e).__name__}: {e}")
    return {"file": path, "ok": not errors, "tasks": len(tasks), "errors": errors[:5]}


def main(argv: list[str]) -> int:
    if len(argv) < 2 or len(argv) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    ok = True
    for i in range(0, len(argv), 2):
        r = check(int(argv[i]), argv[i + 1])
        ok = ok and r["ok"]
        print(json.dumps(r), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
