#!/usr/bin/env python3
"""Runs a KFP v2 pipeline YAML offline with kfp.local's SubprocessRunner.

Usage: run_kfp_local.py PIPELINE.yaml [--args JSON] [--pipeline-root DIR] [--as-is]

  kfp.local.init(runner=SubprocessRunner(use_venv=False), pipeline_root=DIR)
  kfp.components.load_component_from_file(PIPELINE.yaml)(**args)

Prints exactly one JSON line on stdout:
  {"ok": true, "outputs": {...pipeline outputs...},
   "tasks": [{"task": "square", "scope": "for-loop-1-iteration-0", "status": "SUCCESS",
              "outputs": {...}}, ...],
   "warnings": [...kfp.local's log warnings...]}
or {"ok": false, "error": "...", "tasks": [...], "warnings": [...]} with exit status 1 (2 on bad
usage). `tasks` lists executor tasks in the order they finished. The tasks' own stdout
(kfp.local streams it) and kfp.local's logs go to stderr.

What kfp.local (2.17.3) can run this way, read from kfp/local/*.py:
  - only Lightweight Python components (some command/args element must contain
    `kfp.dsl.executor_main`); a plain container command is refused (subprocess_task_handler.py,
    validate_not_container_component) -- container components need DockerRunner;
  - every task runs on the host with this venv's python (`python3` in the command is replaced
    by sys.executable), so the component's `pip install kfp==X` must already be satisfied here
    (PIP_NO_INDEX=1 is set so it never reaches for the network);
  - dsl.If/Elif/Else, ParallelFor (+ Collected, parallelism), ExitHandler with
    PipelineTaskFinalStatus, retries and nested DAGs (orchestrator/enhanced_dag_orchestrator.py,
    orchestrator/task_executor.py) -- with the defects that apply_fixes() works around unless
    --as-is is given.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import traceback
import warnings
from typing import Any

warnings.filterwarnings("ignore")


ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


def emit(stream: Any, result: dict[str, Any]) -> None:
    # Not print(): kfp.local's logging_utils.indented_print swaps builtins.print and, with
    # ParallelFor's threads, can leave the indenting version installed.
    stream.write(json.dumps(result) + "\n")
    stream.flush()


def to_jsonable(value: Any) -> Any:
    """Task/pipeline outputs: parameters as-is, dsl.Artifact(s) as dicts."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "schema_title") and hasattr(value, "uri"):
        return {
            "artifact": value.schema_title,
            "name": getattr(value, "name", None),
            "uri": value.uri,
            "metadata": to_jsonable(getattr(value, "metadata", {}) or {}),
        }
    return repr(value)


def record_tasks(tasks: list[dict[str, Any]]) -> None:
    """Wraps kfp.local's single-task executor to record each executor task's outcome.

    Both orchestrators (orchestrator/dag_orchestrator.py and enhanced_dag_orchestrator.py) call
    `task_executor.execute_single_task` through the module attribute, so patching it here sees
    every container/importer task, including loop iterations and exit tasks.
    """
    from kfp.local.orchestrator import task_executor

    inner = task_executor.execute_single_task
    if getattr(inner, "_mlgen_recorder", False):
        return

    def wrapper(**kwargs: Any):
        outputs, status = inner(**kwargs)
        resource = kwargs.get("pipeline_resource_name", "")
        scope = resource.split("/", 1)[1] if "/" in resource else ""
        tasks.append(
            {
                "task": kwargs.get("task_name"),
                "scope": scope,
                "status": getattr(status, "name", str(status)),
                "outputs": to_jsonable(outputs or {}),
            }
        )
        return outputs, status

    wrapper._mlgen_recorder = True  # type: ignore[attr-defined]
    task_executor.execute_single_task = wrapper


_context = threading.local()
CEL_PARAM_RE = re.compile(r"inputs\.parameter_values\[\s*'([^']*)'\s*\]")


def _as_protobuf_value(value: Any) -> Any:
    """What a value looks like inside ExecutorInput.parameter_values: numbers are doubles."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {k: _as_protobuf_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_protobuf_value(v) for v in value]
    return value


def apply_fixes() -> None:
    """Fixes for kfp.local 2.17.3 defects that make valid pipelines compute wrong results or
    silently skip branches. They change which value an input gets and how a triggerPolicy
    condition is decided, never what a task runs. Disable with --as-is.

    1. A ParallelFor iteration replaces EVERY taskOutputParameter input of the loop task, and
       every componentInputParameter input whose name ends in `-loop-item`, with the loop item
       (orchestrator/task_spec_utils.py, create_parameter_loop_iteration_task_spec, the
       `task_output_parameter` / `component_input_parameter` branches). So a task in the loop
       that reads an upstream output (`f(x=item, y=upstream.output)`) gets y=item, and an inner
       loop gets the inner item for the outer one. Fix: restore those inputs, except itemInput.
    2. Conditions are not evaluated as CEL: ConditionEvaluator.evaluate_condition
       (orchestrator/enhanced_dag_orchestrator.py) guesses each
       `inputs.parameter_values['pipelinechannel--X']` from its name (anything containing
       `-Output` is read as task X's `Output`; any other task output, e.g. `pipelinechannel--
       scores-count`, is looked up as a pipeline input and not found), rewrites the text into
       Python and eval()s it; any failure is logged as a warning and counts as False, so the
       branch is silently skipped. Fix: evaluate the condition with cel-python over the
       condition task's own inputs, resolved like any task input (taskOutputParameter,
       componentInputParameter, runtimeValue) and typed as in ExecutorInput (numbers are
       doubles); an error fails the run instead of skipping the branch.
    3. A ParallelFor's items are not read from the loop task's own input: _run_parallel_for_task
       (orchestrator/enhanced_dag_orchestrator.py) guesses them from the input's name, as in 2
       (a `-Output` name is read as that task's `Output`, any other as a pipeline input), so a
       loop over another output (`pipelinechannel--make-sets-sets`) fails with "Parent pipeline
       input argument ... not found". Fix: resolve the loop task's input named by
       items.inputParameter as any task input, and store it under the names that guess tries.
    """
    import celpy
    from kfp.local.orchestrator import enhanced_dag_orchestrator as edo
    from kfp.local.orchestrator import task_spec_utils
    from kfp.local.orchestrator.orchestrator_utils import OrchestratorUtils
    from kfp.pipeline_spec import pipeline_spec_pb2

    make_iteration = task_spec_utils.create_parameter_loop_iteration_task_spec
    if getattr(make_iteration, "_mlgen_fixed", False):
        return

    def fixed_iteration(
        original_task_spec: Any, loop_item: Any, loop_task_name: str
    ) -> Any:
        out = make_iteration(original_task_spec, loop_item, loop_task_name)
        item_input = ""
        if original_task_spec.WhichOneof("iterator") == "parameter_iterator":
            item_input = original_task_spec.parameter_iterator.item_input
        for name, spec in original_task_spec.inputs.parameters.items():
            if name == item_input:
                continue
            if spec.HasField("task_output_parameter") or spec.HasField(
                "component_input_parameter"
            ):
                restored = pipeline_spec_pb2.TaskInputsSpec.InputParameterSpec()
                restored.CopyFrom(spec)
                out.inputs.parameters[name].CopyFrom(restored)
        return out

    fixed_iteration._mlgen_fixed = True  # type: ignore[attr-defined]
    task_spec_utils.create_parameter_loop_iteration_task_spec = fixed_iteration

    # The DAG being run, per thread (ParallelFor iterations run in a thread pool): conditions
    # are evaluated by run_enhanced_dag for tasks of the DAG it was given.
    run_dag = edo.run_enhanced_dag

    def run_dag_in_context(*args: Any, **kwargs: Any) -> Any:
        spec = (
            kwargs["dag_component_spec"] if "dag_component_spec" in kwargs else args[1]
        )
        stack = getattr(_context, "dags", None)
        if stack is None:
            stack = _context.dags = []
        stack.append(spec)
        try:
            return run_dag(*args, **kwargs)
        finally:
            stack.pop()

    edo.run_enhanced_dag = run_dag_in_context  # also what its own recursion calls

    env = celpy.Environment()

    def resolve(spec: Any, io_store: Any) -> Any:
        if spec.HasField("runtime_value"):
            from kfp.local import executor_output_utils

            return executor_output_utils.pb2_value_to_python(
                spec.runtime_value.constant
            )
        if spec.HasField("task_output_parameter"):
            top = spec.task_output_parameter
            return io_store.get_task_output(top.producer_task, top.output_parameter_key)
        if spec.HasField("component_input_parameter"):
            value = io_store.get_parent_input(spec.component_input_parameter)
            if spec.parameter_expression_selector:
                value = OrchestratorUtils._apply_expression_selector(
                    value, spec.parameter_expression_selector
                )
            return value
        raise ValueError(f"unsupported input kind {spec.WhichOneof('kind')}")

    def evaluate_condition(condition: str, io_store: Any) -> bool:
        dags = getattr(_context, "dags", None) or []
        tasks = dags[-1].dag.tasks if dags else {}
        owner = [
            (n, t) for n, t in tasks.items() if t.trigger_policy.condition == condition
        ]
        if not owner:
            raise RuntimeError(
                f"condition {condition!r}: no task of the running DAG has it"
            )
        name, task = owner[0]
        values = {}
        for ref in sorted(set(CEL_PARAM_RE.findall(condition))):
            if ref not in task.inputs.parameters:
                raise RuntimeError(
                    f"task {name}: condition {condition!r} reads {ref!r}, not one of its inputs"
                )
            values[ref] = _as_protobuf_value(
                resolve(task.inputs.parameters[ref], io_store)
            )
        try:
            result = env.program(env.compile(condition)).evaluate(
                {"inputs": celpy.json_to_cel({"parameter_values": values})}
            )
        except Exception as ex:
            raise RuntimeError(
                f"task {name}: condition {condition!r} with {values}: {type(ex).__name__}: {ex}"
            ) from ex
        if not isinstance(result, celpy.celtypes.BoolType):
            raise RuntimeError(
                f"task {name}: condition {condition!r} gave {result!r}, not a bool"
            )
        logging.info(
            f"Condition of {name}: {condition} with {values} -> {bool(result)}"
        )
        return bool(result)

    edo.ConditionEvaluator.evaluate_condition = staticmethod(evaluate_condition)

    run_loop = edo._run_parallel_for_task

    def run_loop_over_its_input(task_name: str, task_spec: Any, *args: Any, **kwargs: Any) -> Any:
        io_store = kwargs["io_store"] if "io_store" in kwargs else args[3]
        if task_spec.WhichOneof("iterator") == "parameter_iterator":
            items = task_spec.parameter_iterator.items
            name = items.input_parameter if items.HasField("input_parameter") else ""
            if name in task_spec.inputs.parameters:
                value = resolve(task_spec.inputs.parameters[name], io_store)
                guessed = name.replace("pipelinechannel--", "").replace("-loop-item", "")
                for key in {name, guessed}:
                    io_store.put_parent_input(key, value)
        return run_loop(task_name, task_spec, *args, **kwargs)

    edo._run_parallel_for_task = run_loop_over_its_input


class WarningLog:
    """Collects kfp.local's warnings (e.g. "Condition evaluation failed ...", after which the
    branch is skipped as if False) so a caller can refuse a run that had any.

    Hooks record creation, not a handler: logging_utils.local_logger_context() swaps the root
    logger's handlers around every task, from several threads at once during a ParallelFor.
    """

    def __init__(self) -> None:
        self.messages: list[str] = []
        lock = threading.Lock()
        make_record = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            # WARNING only: ERROR is each failed attempt ("Task x finished with status FAILURE").
            if record.levelno == logging.WARNING:
                with lock:
                    self.messages.append(ANSI_RE.sub("", record.getMessage()))
            return record

        logging.setLogRecordFactory(factory)


def coerce_doubles(path: str, args: dict[str, Any]) -> dict[str, Any]:
    """JSON from JavaScript writes 1.0 as 1, which kfp.local rejects for a float input
    (InconsistentTypeException): pass ints for NUMBER_DOUBLE pipeline inputs as floats."""
    import yaml

    with open(path, encoding="utf-8") as f:
        doc = next(yaml.safe_load_all(f))
    params = (((doc or {}).get("root") or {}).get("inputDefinitions") or {}).get(
        "parameters"
    ) or {}
    out = dict(args)
    for name, value in args.items():
        ptype = (params.get(name) or {}).get("parameterType")
        if (
            ptype == "NUMBER_DOUBLE"
            and isinstance(value, int)
            and not isinstance(value, bool)
        ):
            out[name] = float(value)
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pipeline")
    ap.add_argument("--args", default="{}", help="pipeline arguments as a JSON object")
    ap.add_argument("--pipeline-root", default=None, help="default: a new temp dir")
    ap.add_argument(
        "--as-is", action="store_true", help="run kfp.local without apply_fixes()"
    )
    ns = ap.parse_args(argv)
    try:
        args = json.loads(ns.args)
        if not isinstance(args, dict):
            raise ValueError("not a JSON object")
    except ValueError as ex:
        print(json.dumps({"ok": False, "error": f"--args: {ex}", "tasks": []}))
        return 2

    # The component commands call `pip` / `python3`: make them this venv's.
    bindir = os.path.dirname(sys.executable)
    os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("PIP_NO_INDEX", "1")  # never reach for the network
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    root = ns.pipeline_root or tempfile.mkdtemp(prefix="kfp-local-")

    tasks: list[dict[str, Any]] = []
    warned = WarningLog()
    real_stdout = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr):
            from kfp import components, local

            local.init(
                runner=local.SubprocessRunner(use_venv=False),
                pipeline_root=root,
                workspace_root=tempfile.mkdtemp(prefix="kfp-workspace-"),
                raise_on_error=True,
            )
            record_tasks(tasks)
            if not ns.as_is:
                apply_fixes()
            pipeline = components.load_component_from_file(ns.pipeline)
            args = coerce_doubles(ns.pipeline, args)
            task = pipeline(**args)
            outputs = to_jsonable(dict(getattr(task, "outputs", None) or {}))
    except BaseException as ex:  # SystemExit/KeyboardInterrupt from a task included
        traceback.print_exc(file=sys.stderr)
        msg = ANSI_RE.sub("", " ".join(f"{type(ex).__name__}: {ex}".split()))
        emit(
            real_stdout,
            {"ok": False, "error": msg, "tasks": tasks, "warnings": warned.messages},
        )
        return 1
    emit(
        real_stdout,
        {"ok": True, "outputs": outputs, "tasks": tasks, "warnings": warned.messages},
    )
    return 0


def run_in_scratch(argv: list[str]) -> int:
    """main() with every temp file in one folder, removed at the end.

    kfp.local makes a workspace, and each lightweight task's command a `mktemp -d` folder for
    its module (TMPDIR is honoured); the default pipeline root is a temp folder too. A test
    that wants outputs after the run passes --pipeline-root (or writes them where it says).
    """
    scratch = tempfile.mkdtemp(prefix="mlgen-kfp-local-run-")
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = scratch
    try:
        return main(argv)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run_in_scratch(sys.argv[1:]))
