#!/usr/bin/env python3
"""Offline validation gate for Kubeflow Pipelines v2 PipelineSpec YAML (ENGINES-KFP.md §3).

Usage: check_kfp.py FILE.yaml [FILE.yaml ...]

Prints one JSON line per file, {"file": ..., "ok": bool, "errors": [...]}, and exits 0 only if
every file is ok (1 if any is not, 2 on bad usage). Every error starts with the YAML path it is
about (e.g. `root.dag.tasks[train].componentRef.name`) and says what is wrong there.

Steps, all run (a failing step does not hide the others):
  0. yaml.safe_load_all: one PipelineSpec document, optionally a second PlatformSpec document.
  1. strict json_format.ParseDict of doc0 into PipelineSpec (unknown fields, bad enums, bad
     scalar types, two members of one oneof).
  2. ParseDict of doc0.deploymentSpec (a google.protobuf.Struct in PipelineSpec, so step 1 does
     not look inside it) into PipelineDeploymentConfig.
  3. ParseDict of doc1 into PlatformSpec and of each platforms.kubernetes.deploymentSpec
     executor into KubernetesExecutorConfig.
  4. referential checks the SDK and the upload API do not make (class Refs).
  5. CEL parse (cel-python) of every triggerPolicy.condition and parameterExpressionSelector.
  6. kfp.components.load_component_from_file (what a user of the YAML would call).
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from typing import Any

import yaml
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message_factory import GetMessageClass

# The SDK's FutureWarnings would only add noise to stderr.
warnings.filterwarnings("ignore")

from kfp.kubernetes import kubernetes_executor_config_pb2 as k8s_pb2
from kfp.pipeline_spec import pipeline_spec_pb2 as pb

SCHEMA_VERSION = "2.1.0"
# The SDK's name rule after maybe_rename_for_k8s (kfp/dsl/utils.py, compiler_utils.py).
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
# Task inputs the compiler adds without declaring them in the callee's inputDefinitions:
# pipeline channels (f-strings, group inputs) and channel-valued resources / image
# (kfp/compiler/pipeline_spec_builder.py, "Inject resource fields into inputs").
INJECTED_INPUTS = {
    "cpu_request",
    "cpu_limit",
    "memory_request",
    "memory_limit",
    "accelerator_type",
    "accelerator_count",
    "base_image",
}
CHANNEL_PREFIX = "pipelinechannel--"
# {{$.inputs.parameters['x']}}, {{$.outputs.artifacts['y'].path}}, ... inside executor strings.
IO_PLACEHOLDER_RE = re.compile(
    r"\{\{\$\.(inputs|outputs)\.(parameters|artifacts)\['([^']*)'\]"
)
CEL_PARAM_RE = re.compile(r"inputs\.parameter_values\[\s*'([^']*)'\s*\]")


def injected(name: str) -> bool:
    return name.startswith(CHANNEL_PREFIX) or name in INJECTED_INPUTS


def as_dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


# ---------------------------------------------------------------------------------------------
# Step 5: CEL


_cel_env = None


def cel_error(expr: Any) -> str | None:
    """None if expr parses as CEL, else a one-line reason."""
    global _cel_env
    if not isinstance(expr, str):
        return f"expected a CEL string, got {type(expr).__name__}"
    if not expr.strip():
        return "empty CEL expression"
    import celpy  # cel-python

    if _cel_env is None:
        _cel_env = celpy.Environment()
    try:
        _cel_env.compile(expr)
        return None
    except Exception as ex:  # celpy.CELParseError, or anything lark raises
        cause = ex.__context__ or ex
        first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        where = ""
        if getattr(ex, "line", None) is not None:
            where = f" (line {ex.line}, column {ex.column})"
        return f"CEL syntax error{where}: {first} in {expr!r}"


# ---------------------------------------------------------------------------------------------
# Step 4: references


class Refs:
    """Referential checks over the canonical (camelCase) dict of a PipelineSpec."""

    def __init__(self, spec: dict[str, Any], platform: dict[str, Any] | None):
        self.spec = spec
        self.platform = platform
        self.components = as_dict(spec.get("components"))
        self.executors = as_dict(as_dict(spec.get("deploymentSpec")).get("executors"))
        self.errors: list[str] = []

    def err(self, path: str, msg: str) -> None:
        self.errors.append(f"{path}: {msg}")

    def run(self) -> list[str]:
        spec = self.spec
        if "schemaVersion" not in spec:
            self.err(
                "schemaVersion",
                f"missing (the KFP backend only accepts {SCHEMA_VERSION})",
            )
        elif spec["schemaVersion"] != SCHEMA_VERSION:
            self.err(
                "schemaVersion",
                f"is {spec['schemaVersion']!r}; the KFP backend only accepts {SCHEMA_VERSION!r}",
            )
        info = spec.get("pipelineInfo")
        if not isinstance(info, dict):
            self.err("pipelineInfo", "missing (pipelineInfo.name is required)")
        else:
            name = info.get("name")
            if not isinstance(name, str) or not name:
                self.err("pipelineInfo.name", "missing or empty")
            elif not NAME_RE.match(name):
                self.err(
                    "pipelineInfo.name",
                    f"{name!r} does not match {NAME_RE.pattern} (lowercase letters, digits, '-')",
                )
        root = spec.get("root")
        if not isinstance(root, dict):
            self.err("root", "missing (the pipeline's root component)")
        else:
            if "dag" not in root:
                self.err("root", "must be a DAG component (no root.dag)")
            self.check_component("root", root, is_root=True)
        for cname, comp in self.components.items():
            self.check_component(f"components[{cname}]", as_dict(comp), is_root=False)
        self.check_executors()
        self.check_platform()
        return self.errors

    # -- components -----------------------------------------------------------------------

    def check_component(self, path: str, comp: dict[str, Any], is_root: bool) -> None:
        has_dag = "dag" in comp
        label = comp.get("executorLabel")
        if has_dag and label is not None:
            self.err(path, "has both dag and executorLabel (implementation is a oneof)")
        if not has_dag and label is None and not is_root:
            self.err(path, "has neither dag nor executorLabel")
        if label is not None:
            if not isinstance(label, str) or not label:
                self.err(f"{path}.executorLabel", "is empty")
            elif label not in self.executors:
                self.err(
                    f"{path}.executorLabel",
                    f"{label!r} does not resolve: no deploymentSpec.executors[{label}]",
                )
        if has_dag:
            self.check_dag(path, comp)

    def outputs_of(self, cname: str) -> dict[str, Any]:
        return as_dict(as_dict(self.components.get(cname)).get("outputDefinitions"))

    def inputs_of(self, cname: str) -> dict[str, Any]:
        return as_dict(as_dict(self.components.get(cname)).get("inputDefinitions"))

    def check_dag(self, path: str, comp: dict[str, Any]) -> None:
        dag = as_dict(comp.get("dag"))
        tasks = as_dict(dag.get("tasks"))
        my_inputs = as_dict(comp.get("inputDefinitions"))
        my_params = as_dict(my_inputs.get("parameters"))
        my_arts = as_dict(my_inputs.get("artifacts"))
        task_comp: dict[str, str | None] = {}
        edges: dict[str, set[str]] = {}
        for tname, task in tasks.items():
            task = as_dict(task)
            tp = f"{path}.dag.tasks[{tname}]"
            ref = as_dict(task.get("componentRef")).get("name")
            if not ref:
                self.err(f"{tp}.componentRef.name", "missing or empty")
                task_comp[tname] = None
            elif ref not in self.components:
                self.err(
                    f"{tp}.componentRef.name",
                    f"{ref!r} does not resolve: no components[{ref}]",
                )
                task_comp[tname] = None
            else:
                task_comp[tname] = ref
        for tname, task in tasks.items():
            task = as_dict(task)
            tp = f"{path}.dag.tasks[{tname}]"
            deps: set[str] = set()
            edges[tname] = deps

            def sibling(where: str, producer: Any, what: str) -> bool:
                if not isinstance(producer, str) or not producer:
                    self.err(where, f"{what} is missing or empty")
                    return False
                if producer == tname:
                    self.err(
                        where,
                        f"{what} {producer!r} is the task itself (self-dependency)",
                    )
                    return False
                if producer not in tasks:
                    self.err(
                        where, f"{what} {producer!r} is not a task of {path}.dag.tasks"
                    )
                    return False
                deps.add(producer)
                return True

            for i, d in enumerate(as_list(task.get("dependentTasks"))):
                sibling(f"{tp}.dependentTasks[{i}]", d, "dependent task")
            declared_deps = set(
                x for x in as_list(task.get("dependentTasks")) if isinstance(x, str)
            )
            callee = task_comp.get(tname)
            callee_in = self.inputs_of(callee) if callee else {}
            callee_params = as_dict(callee_in.get("parameters"))
            callee_arts = as_dict(callee_in.get("artifacts"))
            inputs = as_dict(task.get("inputs"))
            t_params = as_dict(inputs.get("parameters"))
            t_arts = as_dict(inputs.get("artifacts"))

            for pname, pspec in t_params.items():
                pp = f"{tp}.inputs.parameters[{pname}]"
                pspec = as_dict(pspec)
                if callee and pname not in callee_params and not injected(pname):
                    self.err(
                        pp,
                        f"{pname!r} is not declared in components[{callee}].inputDefinitions"
                        f".parameters (only {CHANNEL_PREFIX}* and resource inputs may be undeclared)",
                    )
                kinds = [
                    k
                    for k in (
                        "taskOutputParameter",
                        "runtimeValue",
                        "componentInputParameter",
                        "taskFinalStatus",
                    )
                    if k in pspec
                ]
                if not kinds:
                    self.err(
                        pp,
                        "has no value (taskOutputParameter, runtimeValue, "
                        "componentInputParameter or taskFinalStatus)",
                    )
                if "taskOutputParameter" in pspec:
                    top = as_dict(pspec["taskOutputParameter"])
                    prod = top.get("producerTask")
                    if sibling(
                        f"{pp}.taskOutputParameter.producerTask", prod, "producerTask"
                    ):
                        self.check_output_key(
                            f"{pp}.taskOutputParameter.outputParameterKey",
                            task_comp.get(prod),
                            top.get("outputParameterKey"),
                            "parameters",
                        )
                        # (only for declared inputs: kfp <= 2.14 left the producers of
                        # channel-valued resource inputs out of dependentTasks)
                        if prod not in declared_deps and pname in callee_params:
                            self.err(
                                f"{tp}.dependentTasks",
                                f"does not list {prod!r}, the producer of inputs.parameters[{pname}]",
                            )
                if "componentInputParameter" in pspec:
                    src = pspec["componentInputParameter"]
                    if src not in my_params:
                        self.err(
                            f"{pp}.componentInputParameter",
                            f"{src!r} is not an input of the enclosing component "
                            f"({path}.inputDefinitions.parameters)",
                        )
                if "taskFinalStatus" in pspec:
                    prod = as_dict(pspec["taskFinalStatus"]).get("producerTask")
                    sibling(f"{pp}.taskFinalStatus.producerTask", prod, "producerTask")
                    if callee and pname in callee_params:
                        ptype = as_dict(callee_params[pname]).get("parameterType")
                        if ptype != "TASK_FINAL_STATUS":
                            self.err(
                                pp,
                                f"taskFinalStatus feeds components[{callee}] input {pname!r} of "
                                f"type {ptype}, expected TASK_FINAL_STATUS",
                            )
                if "parameterExpressionSelector" in pspec:
                    e = cel_error(pspec["parameterExpressionSelector"])
                    if e:
                        self.err(f"{pp}.parameterExpressionSelector", e)

            for aname, aspec in t_arts.items():
                ap = f"{tp}.inputs.artifacts[{aname}]"
                aspec = as_dict(aspec)
                if callee and aname not in callee_arts and not injected(aname):
                    self.err(
                        ap,
                        f"{aname!r} is not declared in components[{callee}].inputDefinitions.artifacts",
                    )
                if (
                    "taskOutputArtifact" not in aspec
                    and "componentInputArtifact" not in aspec
                ):
                    self.err(
                        ap,
                        "has no value (taskOutputArtifact or componentInputArtifact)",
                    )
                if "taskOutputArtifact" in aspec:
                    toa = as_dict(aspec["taskOutputArtifact"])
                    prod = toa.get("producerTask")
                    if sibling(
                        f"{ap}.taskOutputArtifact.producerTask", prod, "producerTask"
                    ):
                        self.check_output_key(
                            f"{ap}.taskOutputArtifact.outputArtifactKey",
                            task_comp.get(prod),
                            toa.get("outputArtifactKey"),
                            "artifacts",
                        )
                        if prod not in declared_deps and aname in callee_arts:
                            self.err(
                                f"{tp}.dependentTasks",
                                f"does not list {prod!r}, the producer of inputs.artifacts[{aname}]",
                            )
                if "componentInputArtifact" in aspec:
                    src = aspec["componentInputArtifact"]
                    if src not in my_arts:
                        self.err(
                            f"{ap}.componentInputArtifact",
                            f"{src!r} is not an input of the enclosing component "
                            f"({path}.inputDefinitions.artifacts)",
                        )

            # iterators: items come from the task's own inputs; the item goes to the callee.
            item_param = item_art = None
            if "parameterIterator" in task:
                it = as_dict(task["parameterIterator"])
                ip = f"{tp}.parameterIterator"
                items = as_dict(it.get("items"))
                if "inputParameter" in items:
                    if items["inputParameter"] not in t_params:
                        self.err(
                            f"{ip}.items.inputParameter",
                            f"{items['inputParameter']!r} is not one of the task's "
                            "inputs.parameters",
                        )
                elif "raw" in items:
                    try:
                        if not isinstance(json.loads(items["raw"]), list):
                            self.err(f"{ip}.items.raw", "is not a JSON list")
                    except (TypeError, ValueError) as ex:
                        self.err(f"{ip}.items.raw", f"is not JSON text: {ex}")
                else:
                    self.err(f"{ip}.items", "needs raw or inputParameter")
                item_param = it.get("itemInput")
                if not item_param:
                    self.err(f"{ip}.itemInput", "missing or empty")
                elif callee and item_param not in callee_params:
                    self.err(
                        f"{ip}.itemInput",
                        f"{item_param!r} is not declared in components[{callee}]"
                        ".inputDefinitions.parameters",
                    )
            if "artifactIterator" in task:
                it = as_dict(task["artifactIterator"])
                ip = f"{tp}.artifactIterator"
                src = as_dict(it.get("items")).get("inputArtifact")
                if not src:
                    self.err(f"{ip}.items.inputArtifact", "missing or empty")
                elif src not in t_arts:
                    self.err(
                        f"{ip}.items.inputArtifact",
                        f"{src!r} is not one of the task's inputs.artifacts",
                    )
                item_art = it.get("itemInput")
                if not item_art:
                    self.err(f"{ip}.itemInput", "missing or empty")
                elif callee and item_art not in callee_arts:
                    self.err(
                        f"{ip}.itemInput",
                        f"{item_art!r} is not declared in components[{callee}]"
                        ".inputDefinitions.artifacts",
                    )

            # required callee inputs must be supplied (by an input or by the iterator).
            if callee:
                for pname, pdef in callee_params.items():
                    pdef = as_dict(pdef)
                    if pdef.get("isOptional") or "defaultValue" in pdef:
                        continue
                    if pname not in t_params and pname != item_param:
                        self.err(
                            f"{tp}.inputs.parameters",
                            f"required input {pname!r} of components[{callee}] is not supplied",
                        )
                for aname, adef in callee_arts.items():
                    if as_dict(adef).get("isOptional"):
                        continue
                    if aname not in t_arts and aname != item_art:
                        self.err(
                            f"{tp}.inputs.artifacts",
                            f"required input artifact {aname!r} of components[{callee}] "
                            "is not supplied",
                        )

            trig = as_dict(task.get("triggerPolicy"))
            if "condition" in trig:
                cond = trig["condition"]
                e = cel_error(cond)
                if e:
                    self.err(f"{tp}.triggerPolicy.condition", e)
                elif isinstance(cond, str):
                    for ref in CEL_PARAM_RE.findall(cond):
                        if ref not in t_params:
                            self.err(
                                f"{tp}.triggerPolicy.condition",
                                f"reads inputs.parameter_values[{ref!r}], which is not one of "
                                "the task's inputs.parameters",
                            )

        self.check_cycles(path, edges)
        self.check_dag_outputs(path, comp, tasks, task_comp)

    def check_output_key(
        self, where: str, producer_comp: str | None, key: Any, kind: str
    ) -> None:
        if producer_comp is None:
            return  # the producer's componentRef is already reported
        outs = as_dict(self.outputs_of(producer_comp).get(kind))
        if not isinstance(key, str) or not key:
            self.err(where, "missing or empty")
        elif key not in outs:
            self.err(
                where,
                f"{key!r} is not an output of components[{producer_comp}] "
                f"(outputDefinitions.{kind}: {sorted(outs)})",
            )

    def check_cycles(self, path: str, edges: dict[str, set[str]]) -> None:
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        stack: list[str] = []

        def visit(n: str) -> bool:
            state[n] = 1
            stack.append(n)
            for m in sorted(edges.get(n, ())):
                if m not in edges:
                    continue
                if state.get(m) == 1:
                    cyc = stack[stack.index(m) :] + [m]
                    self.err(
                        f"{path}.dag.tasks", "dependency cycle " + " -> ".join(cyc)
                    )
                    return True
                if state.get(m) is None and visit(m):
                    return True
            stack.pop()
            state[n] = 2
            return False

        for n in sorted(edges):
            if state.get(n) is None and visit(n):
                return  # one cycle per DAG is enough

    def check_dag_outputs(
        self,
        path: str,
        comp: dict[str, Any],
        tasks: dict[str, Any],
        task_comp: dict[str, str | None],
    ) -> None:
        outs = as_dict(as_dict(comp.get("dag")).get("outputs"))
        declared = as_dict(comp.get("outputDefinitions"))
        for kind, sel_key, key_key, list_key in (
            ("parameters", "producerSubtask", "outputParameterKey", None),
            ("artifacts", "producerSubtask", "outputArtifactKey", "artifactSelectors"),
        ):
            decl = as_dict(declared.get(kind))
            given = as_dict(outs.get(kind))
            for oname, ospec in given.items():
                op = f"{path}.dag.outputs.{kind}[{oname}]"
                ospec = as_dict(ospec)
                if oname not in decl:
                    self.err(op, f"is not declared in {path}.outputDefinitions.{kind}")
                if list_key:
                    selectors = [
                        (f"{op}.{list_key}[{i}]", as_dict(s))
                        for i, s in enumerate(as_list(ospec.get(list_key)))
                    ]
                elif "valueFromParameter" in ospec:
                    selectors = [
                        (
                            f"{op}.valueFromParameter",
                            as_dict(ospec["valueFromParameter"]),
                        )
                    ]
                elif "valueFromOneof" in ospec:
                    sels = as_list(
                        as_dict(ospec["valueFromOneof"]).get("parameterSelectors")
                    )
                    selectors = [
                        (f"{op}.valueFromOneof.parameterSelectors[{i}]", as_dict(s))
                        for i, s in enumerate(sels)
                    ]
                else:
                    selectors = []
                if not selectors:
                    self.err(op, "selects no producer")
                for sp, sel in selectors:
                    sub = sel.get(sel_key)
                    if sub not in tasks:
                        self.err(
                            f"{sp}.{sel_key}",
                            f"{sub!r} is not a task of {path}.dag.tasks",
                        )
                        continue
                    self.check_output_key(
                        f"{sp}.{key_key}", task_comp.get(sub), sel.get(key_key), kind
                    )
            for oname in decl:
                if oname not in given:
                    self.err(
                        f"{path}.outputDefinitions.{kind}[{oname}]",
                        f"is declared but {path}.dag.outputs.{kind} does not produce it",
                    )

    # -- executors ------------------------------------------------------------------------

    def check_executors(self) -> None:
        users: dict[str, list[str]] = {}
        for cname, comp in self.components.items():
            label = as_dict(comp).get("executorLabel")
            if isinstance(label, str):
                users.setdefault(label, []).append(cname)
        for label, ex in self.executors.items():
            ep = f"deploymentSpec.executors[{label}]"
            ex = as_dict(ex)
            if "container" in ex:
                cont = as_dict(ex["container"])
                if not cont.get("image"):
                    self.err(f"{ep}.container.image", "missing or empty")
                for field in ("command", "args"):
                    for i, s in enumerate(as_list(cont.get(field))):
                        self.check_placeholders(
                            f"{ep}.container.{field}[{i}]", s, users.get(label, [])
                        )
                for k, v in as_dict(cont.get("resources")).items():
                    self.check_placeholders(
                        f"{ep}.container.resources.{k}", v, users.get(label, [])
                    )

    def check_placeholders(self, where: str, text: Any, comps: list[str]) -> None:
        if not isinstance(text, str):
            return
        refs = IO_PLACEHOLDER_RE.findall(text)
        names = set()
        if text.startswith('{"IfPresent"') or text.startswith('{"Concat"'):
            # IfPresent names an input by InputName (kfp/dsl/placeholders.py).
            names = set(re.findall(r'"InputName":\s*"([^"]*)"', text))
        for cname in comps:
            comp = as_dict(self.components.get(cname))
            for io, kind, name in refs:
                defs = as_dict(as_dict(comp.get(f"{io[:-1]}Definitions")).get(kind))
                if name not in defs and not (io == "inputs" and injected(name)):
                    self.err(
                        where,
                        f"placeholder {{{{$.{io}.{kind}['{name}']}}}} names no "
                        f"components[{cname}].{io[:-1]}Definitions.{kind}[{name}]",
                    )
            ins = as_dict(comp.get("inputDefinitions"))
            for name in names:
                if name not in as_dict(ins.get("parameters")) and name not in as_dict(
                    ins.get("artifacts")
                ):
                    self.err(
                        where,
                        f"IfPresent InputName {name!r} is not an input of components[{cname}]",
                    )

    # -- platform -------------------------------------------------------------------------

    def check_platform(self) -> None:
        if self.platform is None:
            return
        k8s = as_dict(as_dict(self.platform.get("platforms")).get("kubernetes"))
        for label in as_dict(as_dict(k8s.get("deploymentSpec")).get("executors")):
            if label not in self.executors:
                self.err(
                    f"(doc 2) platforms.kubernetes.deploymentSpec.executors[{label}]",
                    f"{label!r} is not an executor of doc 1 (no deploymentSpec.executors[{label}])",
                )


# ---------------------------------------------------------------------------------------------
# Steps 0-6 for one file


def _fails(cls: Any, data: Any) -> bool:
    try:
        json_format.ParseDict(data, cls())
        return False
    except Exception:
        return True


def locate(cls: Any, data: Any, path: str) -> tuple[str, Any]:
    """The deepest YAML path under `path` whose value alone fails to parse as its message type,
    and that type. ParseDict's own message names the path for unknown fields and bad enums but
    not for a bad scalar ("Failed to parse maxRetryCount field: ..."), nor map keys there."""
    if not isinstance(data, dict):
        return path, cls
    desc = cls.DESCRIPTOR
    for key, value in data.items():
        field = desc.fields_by_camelcase_name.get(key) or desc.fields_by_name.get(key)
        if field is None or field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        sub = field.message_type
        fpath = f"{path}.{key}" if path else key
        if sub.GetOptions().map_entry:
            vfield = sub.fields_by_name["value"]
            if vfield.type != FieldDescriptor.TYPE_MESSAGE or _well_known(
                vfield.message_type
            ):
                continue
            vcls = GetMessageClass(vfield.message_type)
            for k, v in as_dict(value).items():
                if _fails(vcls, v):
                    return locate(vcls, v, f"{fpath}[{k}]")
        elif _well_known(sub):
            continue
        elif field.label == FieldDescriptor.LABEL_REPEATED:
            vcls = GetMessageClass(sub)
            for i, v in enumerate(as_list(value)):
                if _fails(vcls, v):
                    return locate(vcls, v, f"{fpath}[{i}]")
        else:
            vcls = GetMessageClass(sub)
            if _fails(vcls, value):
                return locate(vcls, value, fpath)
    return path, cls


def _well_known(desc: Any) -> bool:
    return desc.full_name.startswith(
        "google.protobuf."
    )  # Struct, Value, Duration: leaves


def parse_into(
    msg_cls: Any, data: Any, where: str, errors: list[str], base: str = ""
) -> Any:
    """Strict ParseDict; on failure one error prefixed with the YAML path of the bad value
    (`base` + the path inside `data`), or with `where` when the document itself is at fault."""
    msg = msg_cls()
    try:
        json_format.ParseDict(data, msg)  # ignore_unknown_fields=False: strict
        return msg
    except Exception as ex:
        text = str(ex).strip()
        try:
            path, cls = locate(msg_cls, data, "")
            # a bad scalar: name the field too ("Failed to parse maxRetryCount field: ...")
            leaf = re.findall(r"Failed to parse (\w+) field", text)
            if leaf:
                d = cls.DESCRIPTOR
                f = d.fields_by_camelcase_name.get(leaf[-1]) or d.fields_by_name.get(
                    leaf[-1]
                )
                if f is not None and (
                    f.type != FieldDescriptor.TYPE_MESSAGE
                    or _well_known(f.message_type)
                ):
                    path = f"{path}.{leaf[-1]}" if path else leaf[-1]
        except Exception:
            path = ""
        full = ".".join(p for p in (base, path) if p)
        errors.append(f"{full or where}: {type(ex).__name__}: {text}")
        return None


def check_file(path: str) -> list[str]:
    errors: list[str] = []
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as ex:
        return [f"(file): cannot read: {ex}"]
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as ex:
        return [f"(yaml): {type(ex).__name__}: {' '.join(str(ex).split())}"]
    if not docs:
        return ["(yaml): no document (expected a PipelineSpec)"]
    if len(docs) > 2:
        errors.append(
            f"(yaml): {len(docs)} documents; expected a PipelineSpec and at most a PlatformSpec"
        )
    doc0 = docs[0]
    doc1 = docs[1] if len(docs) > 1 else None
    if not isinstance(doc0, dict):
        return errors + [
            f"(doc 1): is a {type(doc0).__name__}, expected a mapping (PipelineSpec)"
        ]

    # 1. strict PipelineSpec
    spec = parse_into(pb.PipelineSpec, doc0, "(doc 1) PipelineSpec", errors)
    # 2. deploymentSpec, which PipelineSpec keeps as a Struct
    if "deploymentSpec" not in doc0:
        errors.append("deploymentSpec: missing")
    else:
        parse_into(
            pb.PipelineDeploymentConfig,
            doc0["deploymentSpec"],
            "deploymentSpec",
            errors,
            base="deploymentSpec",
        )
    # 3. PlatformSpec and each Kubernetes executor config
    platform_dict: dict[str, Any] | None = None
    if doc1 is not None:
        if not isinstance(doc1, dict):
            errors.append(
                f"(doc 2): is a {type(doc1).__name__}, expected a mapping (PlatformSpec)"
            )
        else:
            plat_errors: list[str] = []
            plat = parse_into(pb.PlatformSpec, doc1, "PlatformSpec", plat_errors)
            errors.extend(f"(doc 2) {e}" for e in plat_errors)
            platform_dict = (
                json_format.MessageToDict(plat) if plat is not None else doc1
            )
            k8s = as_dict(as_dict(doc1.get("platforms")).get("kubernetes"))
            for label, cfg in as_dict(
                as_dict(k8s.get("deploymentSpec")).get("executors")
            ).items():
                where = (
                    f"(doc 2) platforms.kubernetes.deploymentSpec.executors[{label}]"
                )
                parse_into(
                    k8s_pb2.KubernetesExecutorConfig, cfg, where, errors, base=where
                )
    # 4 + 5. references and CEL, on the canonical camelCase form when step 1 parsed it
    canon = doc0
    if spec is not None:
        canon = json_format.MessageToDict(spec)
        if "schemaVersion" in doc0 and "schemaVersion" not in canon:
            canon["schemaVersion"] = doc0[
                "schemaVersion"
            ]  # "" is dropped by MessageToDict
    try:
        errors.extend(Refs(canon, platform_dict).run())
    except Exception as ex:  # a malformed document must not crash the gate
        errors.append(
            f"(refs): checker crashed on a malformed document: {type(ex).__name__}: {ex}"
        )
    # 6. the SDK's own loader
    try:
        from kfp import components

        components.load_component_from_file(path)
    except Exception as ex:
        first = " ".join(str(ex).split())[:2000]
        errors.append(f"(load_component_from_file): {type(ex).__name__}: {first}")
    return errors


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    all_ok = True
    for path in argv:
        errors = check_file(path)
        all_ok = all_ok and not errors
        print(
            json.dumps({"file": path, "ok": not errors, "errors": errors}), flush=True
        )
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
