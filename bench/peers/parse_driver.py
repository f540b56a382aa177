"""Times Airflow's DagBag fill of single DAG files, the way Airflow's DAG processor parses them.

Driver of bench/dag-parse-bench.ts; runs in the engine venv (.venv-engines).
Usage: python parse_driver.py <config.json> <out.json>   (Airflow logs to stdout, so JSON goes to a file)

config.json:
  {"variants": [{"name": ..., "file": <absolute path of the DAG file>}, ...],
   "empty_dir": <an empty folder>, "inspect_module_dir": <folder with inspect_dags.py>,
   "fork_warmup": W, "fork_samples": S, "inproc_warmup": w, "inproc_samples": s}

This process imports Airflow once, like the DAG processor's manager, and fills one DagBag over an
empty folder so the importer registry and configuration reads are set up before any measurement.
Then:

  variant parents  one fork of this process per variant. Each pre-imports the airflow.* modules its
                   file imports, with Airflow's own _pre_import_airflow_modules, exactly as the DAG
                   processor's manager does before it forks the process that parses a file, and
                   then parses on request.
  forked samples   W + S per variant: the variant parent forks, the child times one
                   DagBag(dag_folder=<file>) fill and reports it through a pipe (the W warm-ups are
                   dropped). This is what the DAG processor pays per parse: a fresh process, so
                   nothing the file imports beyond the pre-imported airflow.* modules is cached.
  in-process       then w + s fills per variant in the variant parent itself. Every fill re-executes
                   the file (DagBag drops the file's module from sys.modules first) but every module
                   it imports is already loaded: the file's own cost.

Samples are interleaved: sample i of every variant runs back to back, the variant that goes first
rotating with i, so a busy spell on the machine hits all variants alike.
Each sample is wall time (perf_counter) and CPU time (process_time) around the DagBag(...) call
only, with a gc.collect() before it (outside the timing). Every fill's import errors and DAG/task
counts are reported so the bench can fail loudly on a broken file. An "inspect" child also reports
each variant's structure (task ids, upstream ids, retries, timeouts, sensor mode, ...) with the
helpers of test/python/inspect_dags.py, for the bench's equivalence check.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import time


def fill_once(DagBag, path: str) -> dict:
    gc.collect()
    wall0 = time.perf_counter()
    cpu0 = time.process_time()
    bag = DagBag(dag_folder=path, load_op_links=False)
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    return {
        "wall_ms": wall * 1000.0,
        "cpu_ms": cpu * 1000.0,
        "dags": {dag_id: len(dag.tasks) for dag_id, dag in bag.dags.items()},
        "errors": {k: str(v)[-3000:] for k, v in bag.import_errors.items()},
        "warnings": sum(len(w) for w in bag.captured_warnings.values()),
    }


def in_child(fn):
    """Runs fn() in a forked child; returns its JSON-able result (or raises with the child's error)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        code = 0
        try:
            payload = {"ok": fn()}
        except BaseException as e:  # report everything, including SystemExit from the DAG file
            import traceback

            payload = {"error": f"{type(e).__name__}: {e}\n{traceback.format_exc()[-3000:]}"}
            code = 1
        try:
            with os.fdopen(write_fd, "wb") as f:
                f.write(json.dumps(payload).encode())
        finally:
            os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        raise RuntimeError(f"child {pid} died without a result (wait status {status})")
    payload = json.loads(data)
    if "error" in payload:
        raise RuntimeError(payload["error"])
    return payload["ok"]


class VariantParent:
    """A forked process that pre-imports one DAG file's airflow.* modules, then parses on request.

    Requests (one line each): "fork" (time one DagBag fill in a fresh fork of this process),
    "inproc" (time one fill in this process itself) or "exit"; each answer is one JSON line.
    """

    def __init__(self, DagBag, pre_import, variant: dict):
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the variant parent
            os.close(cmd_w)
            os.close(res_r)
            code = 0
            try:
                self._serve(DagBag, pre_import, variant["file"], os.fdopen(cmd_r, "r"), os.fdopen(res_w, "w"))
            except BaseException:
                code = 1
            os._exit(code)
        os.close(cmd_r)
        os.close(res_w)
        self.pid = pid
        self.name = variant["name"]
        self.commands = os.fdopen(cmd_w, "w")
        self.answers = os.fdopen(res_r, "r")
        self.pre_import_ms = self._answer()

    @staticmethod
    def _serve(DagBag, pre_import, path, commands, answers) -> None:
        def send(payload) -> None:
            answers.write(json.dumps(payload) + "\n")
            answers.flush()

        try:
            t0 = time.perf_counter()
            pre_import(path, logging.getLogger("parse_driver"))
            send({"ok": (time.perf_counter() - t0) * 1000.0})
            for line in commands:
                command = line.strip()
                if command == "exit":
                    return
                if command == "fork":
                    gc.collect()
                    send({"ok": in_child(lambda: fill_once(DagBag, path))})
                elif command == "inproc":
                    send({"ok": fill_once(DagBag, path)})
                else:
                    send({"error": f"unknown command {command!r}"})
        except BaseException as e:
            import traceback

            send({"error": f"{type(e).__name__}: {e}\n{traceback.format_exc()[-3000:]}"})
            raise

    def _answer(self):
        line = self.answers.readline()
        if not line:
            raise RuntimeError(f"variant parent {self.name} (pid {self.pid}) died")
        payload = json.loads(line)
        if "error" in payload:
            raise RuntimeError(f"variant {self.name}: {payload['error']}")
        return payload["ok"]

    def request(self, command: str) -> dict:
        self.commands.write(command + "\n")
        self.commands.flush()
        return self._answer()

    def close(self) -> None:
        try:
            self.commands.write("exit\n")
            self.commands.flush()
        except BrokenPipeError:
            pass
        os.waitpid(self.pid, 0)


def inspect_all(DagBag, cfg: dict) -> dict:
    sys.path.insert(0, cfg["inspect_module_dir"])
    import inspect_dags

    out = {}
    for variant in cfg["variants"]:
        bag = DagBag(dag_folder=variant["file"], load_op_links=False)
        dags = {}
        for dag_id, dag in sorted(bag.dags.items()):
            dags[dag_id] = {
                "timetable": type(dag.timetable).__name__,
                "timetable_summary": dag.timetable.summary,
                "assets": inspect_dags.dag_assets(dag),
                "start_date": dag.start_date.isoformat() if dag.start_date else None,
                "catchup": dag.catchup,
                "tags": sorted(dag.tags or []),
                "max_active_runs": dag.max_active_runs,
                "dagrun_timeout": inspect_dags.seconds(dag.dagrun_timeout),
                "params": {k: dag.params[k] for k in sorted(dag.params.keys())},
                "description": dag.description,
                "groups": sorted(g for g in dag.task_group_dict),
                "tasks": {t: inspect_dags.inspect_task(task) for t, task in sorted(dag.task_dict.items())},
            }
        out[variant["name"]] = {
            "import_errors": {k: str(v)[-3000:] for k, v in bag.import_errors.items()},
            "dags": dags,
        }
    return json.loads(json.dumps(out, default=str))


def main(config_file: str, out_file: str) -> None:
    with open(config_file, encoding="utf-8") as f:
        cfg = json.load(f)

    t0 = time.perf_counter()
    import airflow
    from airflow.dag_processing.dagbag import DagBag
    from airflow.dag_processing.processor import _pre_import_airflow_modules

    import_ms = (time.perf_counter() - t0) * 1000.0
    DagBag(dag_folder=cfg["empty_dir"], load_op_links=False)  # registry and config reads, once

    from importlib.metadata import version  # not `import dagfactory`: that would pre-load it for every fork

    result = {
        "airflow_version": airflow.__version__,
        "dag_factory_version": version("dag-factory"),
        "python_version": sys.version.split()[0],
        "import_airflow_ms": import_ms,
        "inspect": in_child(lambda: inspect_all(DagBag, cfg)),
        "variants": {v["name"]: {"pre_import_ms": [], "forked": [], "inproc": []} for v in cfg["variants"]},
    }
    # All variant parents first (each pre-imports its own file's airflow.* modules, then waits),
    # so that samples can be interleaved: sample i of every variant runs back to back, and the
    # variant that goes first rotates with i. All forked samples run before any in-process one:
    # an in-process fill imports what the file imports into the variant parent, which later
    # forks would inherit.
    variants = cfg["variants"]
    parents = [VariantParent(DagBag, _pre_import_airflow_modules, v) for v in variants]
    try:
        for p in parents:
            result["variants"][p.name]["pre_import_ms"].append(p.pre_import_ms)
        for mode, key, warmup, samples in (
            ("fork", "forked", cfg["fork_warmup"], cfg["fork_samples"]),
            ("inproc", "inproc", cfg["inproc_warmup"], cfg["inproc_samples"]),
        ):
            for p in parents:
                for _ in range(warmup):
                    p.request(mode)
            for i in range(samples):
                k = i % len(parents)
                for p in parents[k:] + parents[:k]:
                    result["variants"][p.name][key].append(p.request(mode))
                if (i + 1) % 10 == 0 or i + 1 == samples:
                    print(f"parse_driver: {key} {i + 1}/{samples}", file=sys.stderr, flush=True)
    finally:
        for p in parents:
            p.close()

    with open(out_file, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
