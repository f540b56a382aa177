"""Writes specs/mlflow/openapi.yaml from the operation table below and the pinned MLflow.

MLflow publishes no OpenAPI spec. The REST API is defined by protobuf services: each RPC names
its HTTP method and path, its request message and its response message. This script reads those
descriptors from the mlflow package installed in the engine venv (the version that
test/python/requirements.lock pins), keeps the operations listed in OPERATIONS, and turns the
messages into JSON Schema the way the server really encodes them (mlflow/server/handlers.py and
mlflow/utils/proto_json_utils.py):

- field names in snake_case; unset fields omitted, so response fields are optional unless
  ALWAYS_SENT says the server always sends them (the contract test checks that it does);
- int64 as JSON numbers (MLflow undoes protobuf's int64-as-string), enums by name;
- doubles as numbers, or the strings "NaN", "Infinity", "-Infinity" (protobuf's JSON form);
- GET requests take the request fields as query parameters, repeated fields as repeated keys;
  every other method takes a JSON body (DELETE too);
- request fields the handler marks `_assert_required` are required (read from handlers.py).

The artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/...`) moves raw bytes; those operations
are written by hand in PROXY below.

Usage: .venv-engines/bin/python specs/mlflow/build_spec.py [--out DIR]
(rewrites openapi.yaml and PROVENANCE.json next to this file, or in DIR; byte-identical output
for the same mlflow)
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import re
import sys
from pathlib import Path

import mlflow
import yaml
from google.protobuf.descriptor import FieldDescriptor as FD
from mlflow.protos import model_registry_pb2 as registry
from mlflow.protos import service_pb2 as tracking
from mlflow.protos import webhooks_pb2 as webhooks
from mlflow.protos.databricks_pb2 import rpc
from mlflow.server import handlers

HERE = Path(__file__).resolve().parent

# (tag, service, RPC method name). Method and path come from the RPC's own options.
OPERATIONS: list[tuple[str, object, str]] = [
    ("experiments", tracking.MlflowService, "createExperiment"),
    ("experiments", tracking.MlflowService, "getExperiment"),
    ("experiments", tracking.MlflowService, "getExperimentByName"),
    ("experiments", tracking.MlflowService, "searchExperiments"),
    ("experiments", tracking.MlflowService, "updateExperiment"),
    ("experiments", tracking.MlflowService, "deleteExperiment"),
    ("experiments", tracking.MlflowService, "restoreExperiment"),
    ("experiments", tracking.MlflowService, "setExperimentTag"),
    ("experiments", tracking.MlflowService, "deleteExperimentTag"),
    ("runs", tracking.MlflowService, "createRun"),
    ("runs", tracking.MlflowService, "updateRun"),
    ("runs", tracking.MlflowService, "getRun"),
    ("runs", tracking.MlflowService, "deleteRun"),
    ("runs", tracking.MlflowService, "restoreRun"),
    ("runs", tracking.MlflowService, "searchRuns"),
    ("runs", tracking.MlflowService, "logParam"),
    ("runs", tracking.MlflowService, "logMetric"),
    ("runs", tracking.MlflowService, "setTag"),
    ("runs", tracking.MlflowService, "deleteTag"),
    ("runs", tracking.MlflowService, "logBatch"),
    ("runs", tracking.MlflowService, "logInputs"),
    ("runs", tracking.MlflowService, "logOutputs"),
    ("metrics", tracking.MlflowService, "getMetricHistory"),
    ("metrics", tracking.MlflowService, "getMetricHistoryBulkInterval"),
    ("artifacts", tracking.MlflowService, "listArtifacts"),
    ("logged-models", tracking.MlflowService, "createLoggedModel"),
    ("logged-models", tracking.MlflowService, "getLoggedModel"),
    ("logged-models", tracking.MlflowService, "finalizeLoggedModel"),
    ("logged-models", tracking.MlflowService, "searchLoggedModels"),
    ("logged-models", tracking.MlflowService, "deleteLoggedModel"),
    ("logged-models", tracking.MlflowService, "setLoggedModelTags"),
    ("logged-models", tracking.MlflowService, "deleteLoggedModelTag"),
    ("logged-models", tracking.MlflowService, "LogLoggedModelParams"),
    ("logged-models", tracking.MlflowService, "listLoggedModelArtifacts"),
    ("registered-models", registry.ModelRegistryService, "createRegisteredModel"),
    ("registered-models", registry.ModelRegistryService, "getRegisteredModel"),
    ("registered-models", registry.ModelRegistryService, "renameRegisteredModel"),
    ("registered-models", registry.ModelRegistryService, "updateRegisteredModel"),
    ("registered-models", registry.ModelRegistryService, "deleteRegisteredModel"),
    ("registered-models", registry.ModelRegistryService, "searchRegisteredModels"),
    ("registered-models", registry.ModelRegistryService, "setRegisteredModelTag"),
    ("registered-models", registry.ModelRegistryService, "deleteRegisteredModelTag"),
    ("registered-models", registry.ModelRegistryService, "setRegisteredModelAlias"),
    ("registered-models", registry.ModelRegistryService, "deleteRegisteredModelAlias"),
    ("registered-models", registry.ModelRegistryService, "getModelVersionByAlias"),
    ("model-versions", registry.ModelRegistryService, "createModelVersion"),
    ("model-versions", registry.ModelRegistryService, "getModelVersion"),
    ("model-versions", registry.ModelRegistryService, "updateModelVersion"),
    ("model-versions", registry.ModelRegistryService, "deleteModelVersion"),
    ("model-versions", registry.ModelRegistryService, "searchModelVersions"),
    ("model-versions", registry.ModelRegistryService, "getModelVersionDownloadUri"),
    ("model-versions", registry.ModelRegistryService, "setModelVersionTag"),
    ("model-versions", registry.ModelRegistryService, "deleteModelVersionTag"),
    ("webhooks", webhooks.WebhookService, "createWebhook"),
    ("webhooks", webhooks.WebhookService, "listWebhooks"),
    ("webhooks", webhooks.WebhookService, "getWebhook"),
    ("webhooks", webhooks.WebhookService, "updateWebhook"),
    ("webhooks", webhooks.WebhookService, "deleteWebhook"),
    ("webhooks", webhooks.WebhookService, "testWebhook"),
]

# operationIds that differ from the RPC name (a clash, or MLflow's capitalisation).
OPERATION_IDS = {"LogLoggedModelParams": "logLoggedModelParams"}

# Response fields the server always sends (found against the real server; the contract test
# fails if one is ever missing). Everything else is optional, as protobuf omits unset fields.
ALWAYS_SENT: dict[str, list[str]] = {
    "Experiment": ["experiment_id", "name", "artifact_location", "lifecycle_stage"],
    "RunInfo": ["run_id", "run_uuid", "experiment_id", "status", "start_time", "lifecycle_stage"],
    "Run": ["info", "data"],
    "Metric": ["key", "value", "timestamp", "step"],
    "Param": ["key", "value"],
    "RunTag": ["key", "value"],
    "ExperimentTag": ["key", "value"],
    "RegisteredModel": ["name", "creation_timestamp", "last_updated_timestamp"],
    "ModelVersion": ["name", "version", "creation_timestamp", "current_stage", "status"],
    "RegisteredModelAlias": ["alias", "version"],
    "LoggedModel": ["info"],
    "LoggedModelInfo": ["model_id", "experiment_id", "name", "creation_timestamp_ms", "status"],
    "Webhook": ["webhook_id", "name", "url", "events", "status"],
    "CreateExperimentResponse": ["experiment_id"],
    "GetExperimentResponse": ["experiment"],
    "GetExperimentByNameResponse": ["experiment"],
    "CreateRunResponse": ["run"],
    "UpdateRunResponse": ["run_info"],
    "GetRunResponse": ["run"],
    "CreateRegisteredModelResponse": ["registered_model"],
    "GetRegisteredModelResponse": ["registered_model"],
    "CreateModelVersionResponse": ["model_version"],
    "GetModelVersionResponse": ["model_version"],
    "GetModelVersionByAliasResponse": ["model_version"],
    "CreateLoggedModelResponse": ["model"],
    "GetLoggedModelResponse": ["model"],
    "CreateWebhookResponse": ["webhook"],
    "GetWebhookResponse": ["webhook"],
}

SUMMARIES = {
    "createExperiment": "Create an experiment (RESOURCE_ALREADY_EXISTS when the name is taken)",
    "searchRuns": "Search runs with a filter string, order and page token",
    "logBatch": "Log up to 1000 metrics, 100 params and 100 tags (1000 entities, 1 MB)",
    "getMetricHistoryBulkInterval": "Metric history of several runs, sampled over a step range",
    "listArtifacts": "List a run's artifacts (needs the run's artifact root to be listable)",
    "finalizeLoggedModel": "Set a logged model's final status (READY or FAILED)",
    "getModelVersionByAlias": "The model version an alias points to",
    "testWebhook": "Send a test event to a webhook's URL and report its answer",
}


def message_name(desc) -> str:
    # mlflow.CreateRun.Response -> CreateRunResponse; mlflow.webhooks.Webhook -> Webhook.
    parts = desc.full_name.split(".")
    parts = [p for p in parts if p not in ("mlflow", "webhooks", "artifacts")]
    return "".join(parts).replace("RequestResponse", "Response")


def request_name(desc) -> str:
    return re.sub(r"(Request)?$", "Request", message_name(desc), count=1)


REQUIRED_BY_HANDLER: dict[str, set[str]] = {}


def read_handler_required() -> None:
    """Request fields the handlers check with `_assert_required`, by request message name."""
    tree = ast.parse(inspect.getsource(handlers))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_get_request_message"):
            continue
        if not node.args or not isinstance(node.args[0], ast.Call):
            continue
        cls = getattr(node.args[0].func, "id", None)
        schema = next((k.value for k in node.keywords if k.arg == "schema"), None)
        if cls is None or not isinstance(schema, ast.Dict):
            continue
        for key, value in zip(schema.keys, schema.values):
            names = {getattr(e, "id", "") for e in getattr(value, "elts", [])}
            if "_assert_required" in names and isinstance(key, ast.Constant):
                REQUIRED_BY_HANDLER.setdefault(cls, set()).add(key.value)


INT_TYPES = {FD.TYPE_INT64, FD.TYPE_UINT64, FD.TYPE_SINT64, FD.TYPE_FIXED64, FD.TYPE_SFIXED64}
INT32_TYPES = {FD.TYPE_INT32, FD.TYPE_UINT32, FD.TYPE_SINT32, FD.TYPE_FIXED32, FD.TYPE_SFIXED32}

components: dict[str, dict] = {}
seen_full_names: dict[str, str] = {}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def enum_schema(enum) -> dict:
    name = message_name(enum)
    if name not in components:
        claim(name, enum.full_name)
        components[name] = {"type": "string", "enum": [v.name for v in enum.values]}
    return ref(name)


def claim(name: str, full_name: str) -> None:
    other = seen_full_names.setdefault(name, full_name)
    if other != full_name:
        sys.exit(f"two messages named {name}: {other} and {full_name}")


def scalar_schema(field) -> dict:
    t = field.type
    if t == FD.TYPE_STRING:
        return {"type": "string"}
    if t == FD.TYPE_BOOL:
        return {"type": "boolean"}
    if t in INT_TYPES:
        return {"type": "integer", "format": "int64"}
    if t in INT32_TYPES:
        return {"type": "integer", "format": "int32"}
    if t in (FD.TYPE_DOUBLE, FD.TYPE_FLOAT):
        return ref("Double")
    if t == FD.TYPE_BYTES:
        return {"type": "string", "contentEncoding": "base64"}
    if t == FD.TYPE_ENUM:
        return enum_schema(field.enum_type)
    if t == FD.TYPE_MESSAGE:
        return message_ref(field.message_type)
    sys.exit(f"unhandled field type {t} of {field.full_name}")


WELL_KNOWN = {
    "google.protobuf.Value": {},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string"},
}


def field_schema(field) -> dict:
    if field.type == FD.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
        value = field.message_type.fields_by_name["value"]
        return {"type": "object", "additionalProperties": scalar_schema(value)}
    item = scalar_schema(field)
    return {"type": "array", "items": item} if field.is_repeated else item


def message_ref(desc) -> dict:
    if desc.full_name in WELL_KNOWN:
        return WELL_KNOWN[desc.full_name]
    name = message_name(desc)
    if name not in components:
        claim(name, desc.full_name)
        components[name] = {}  # placeholder against recursion
        components[name] = object_schema(desc, name, skip=())
    return ref(name)


def object_schema(desc, name: str, skip, required=()) -> dict:
    props = {f.name: field_schema(f) for f in desc.fields if f.name not in skip}
    schema: dict = {"type": "object"}
    req = [f for f in (*required, *ALWAYS_SENT.get(name, [])) if f in props]
    for f in ALWAYS_SENT.get(name, []):
        if f not in props:
            sys.exit(f"ALWAYS_SENT names {name}.{f}, which the message does not have")
    if req:
        schema["required"] = list(dict.fromkeys(req))
    schema["properties"] = props
    schema["additionalProperties"] = False
    return schema


def query_parameter(field, required: bool) -> dict:
    schema = field_schema(field)
    param = {"name": field.name, "in": "query", "schema": schema}
    if required:
        param["required"] = True
    if field.is_repeated:
        param["style"] = "form"
        param["explode"] = True
    return param


ERROR = {"$ref": "#/components/responses/Error"}


def operation(tag: str, service, method_name: str) -> tuple[str, str, dict]:
    method = service.DESCRIPTOR.methods_by_name[method_name]
    endpoints = method.GetOptions().Extensions[rpc].endpoints
    request_class = service().GetRequestClass(method)
    if request_class not in handlers.HANDLERS:
        sys.exit(f"{method_name}: the server has no handler for it")
    # Prefer POST over GET when an RPC has both (searchExperiments): one operation per RPC.
    endpoint = sorted(endpoints, key=lambda e: e.method != "POST")[0] if len(endpoints) > 1 else endpoints[0]
    http = endpoint.method.lower()
    path = f"/api/{endpoint.since.major}.0{endpoint.path}"
    req = request_class.DESCRIPTOR
    path_params = re.findall(r"{(\w+)}", path)
    required = REQUIRED_BY_HANDLER.get(request_class.__name__, set())
    op_id = OPERATION_IDS.get(method_name, method_name)
    op: dict = {"operationId": op_id, "tags": [tag]}
    if op_id in SUMMARIES:
        op["summary"] = SUMMARIES[op_id]
    params = [
        {"name": p, "in": "path", "required": True, "schema": field_schema(req.fields_by_name[p])}
        for p in path_params
    ]
    if http == "get":
        params += [
            query_parameter(f, f.name in required)
            for f in req.fields
            if f.name not in path_params
        ]
    elif any(f.name not in path_params for f in req.fields):
        name = request_name(req)
        claim(name, req.full_name)
        # A path parameter stays in the body too when the handler checks it there
        # (finalizeLoggedModel answers 400 without `model_id` in the body).
        skip = [p for p in path_params if p not in required]
        components[name] = object_schema(req, name, skip=skip, required=sorted(required))
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(name)}},
        }
    if params:
        op["parameters"] = params
    response = message_ref(request_class.Response.DESCRIPTOR)
    op["responses"] = {
        "200": {"description": "OK", "content": {"application/json": {"schema": response}}},
        "default": ERROR,
    }
    return path, http, op


ARTIFACT_PATH = {
    "name": "artifact_path",
    "in": "path",
    "required": True,
    "description": "Path under the artifact root, e.g. `1/<run_id>/artifacts/model/model.pkl`; "
    "its slashes may be sent as they are or as %2F.",
    "schema": {"type": "string"},
}
OCTETS = {"application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}
# Downloads carry the type guessed from the file name (text/plain for .txt, ...).
ANY_BYTES = {"*/*": {"schema": {"type": "string"}}}

PROXY = {
    "/api/2.0/mlflow-artifacts/artifacts": {
        "get": {
            "operationId": "listProxyArtifacts",
            "tags": ["artifact-proxy"],
            "summary": "List artifacts under a path of the proxied artifact root",
            "parameters": [{"name": "path", "in": "query", "schema": {"type": "string"}}],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": ref("ListProxyArtifactsResponse")}},
                },
                "default": ERROR,
            },
        }
    },
    "/api/2.0/mlflow-artifacts/artifacts/{artifact_path}": {
        "get": {
            "operationId": "downloadArtifact",
            "tags": ["artifact-proxy"],
            "summary": "Download one artifact's bytes",
            "parameters": [ARTIFACT_PATH],
            "responses": {"200": {"description": "The file", "content": ANY_BYTES}, "default": ERROR},
        },
        "put": {
            "operationId": "uploadArtifact",
            "tags": ["artifact-proxy"],
            "summary": "Upload one artifact's bytes (the body is the file)",
            "parameters": [ARTIFACT_PATH],
            "requestBody": {"required": True, "content": OCTETS},
            # The server answers 200 with an empty body and no content type.
            "responses": {"200": {"description": "Stored (empty body)"}, "default": ERROR},
        },
        "delete": {
            "operationId": "deleteArtifact",
            "tags": ["artifact-proxy"],
            "summary": "Delete an artifact or a directory of them",
            "parameters": [ARTIFACT_PATH],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": ref("EmptyResponse")}},
                },
                "default": ERROR,
            },
        },
    },
}


class NoAliases(yaml.SafeDumper):
    """Writes a shared schema out again where it is used, not as a YAML anchor."""

    def ignore_aliases(self, data) -> bool:
        return True


def main() -> None:
    read_handler_required()
    components["Double"] = {
        "description": "A double: a number, or NaN/Infinity/-Infinity as protobuf's JSON names them",
        "oneOf": [{"type": "number"}, {"type": "string", "enum": ["NaN", "Infinity", "-Infinity"]}],
    }
    paths: dict[str, dict] = {}
    for tag, service, name in OPERATIONS:
        path, http, op = operation(tag, service, name)
        if http in paths.setdefault(path, {}):
            sys.exit(f"{http} {path} twice")
        paths[path][http] = op
    from mlflow.protos.mlflow_artifacts_pb2 import ListArtifacts as ProxyList

    proxy_files = ProxyList.Response.DESCRIPTOR
    components["ListProxyArtifactsResponse"] = {
        "type": "object",
        "properties": {"files": {"type": "array", "items": message_ref(proxy_files.fields_by_name["files"].message_type)}},
        "additionalProperties": False,
    }
    components["EmptyResponse"] = {"type": "object", "additionalProperties": False}
    components["ErrorResponse"] = {
        "type": "object",
        "description": "MLflow's error body. Proxies and some middleware answer with text instead.",
        "required": ["error_code", "message"],
        "properties": {
            "error_code": {"type": "string"},
            "message": {"type": "string"},
            "sqlstate": {"type": "string"},
            "error_class": {"type": "string"},
        },
        "additionalProperties": False,
    }
    paths.update(PROXY)
    version = mlflow.__version__
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "MLflow tracking, artifacts, logged models, model registry and webhooks",
            "version": version,
            "description": "Written by mlgen from the protobuf services of mlflow "
            f"{version} (specs/mlflow/build_spec.py) and checked against a real `mlflow server` "
            "by test/engines/mlflow-client.test.ts. MLflow publishes no OpenAPI spec.",
        },
        "servers": [{"url": "http://127.0.0.1:5000"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "responses": {
                "Error": {
                    "description": "An error: JSON `{error_code, message}` (404 not found, 400 "
                    "invalid parameter or already exists, 409 conflict) or text from middleware",
                    "content": {
                        "application/json": {"schema": ref("ErrorResponse")},
                        "text/plain": {"schema": {"type": "string"}},
                    },
                }
            },
        },
    }
    text = "# Generated by specs/mlflow/build_spec.py from mlflow " + version + ". Do not edit: change the script.\n"
    text += yaml.dump(doc, Dumper=NoAliases, sort_keys=False, width=100, allow_unicode=True)
    out_dir = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else HERE
    out = out_dir / "openapi.yaml"
    out.write_text(text, encoding="utf-8")
    ops = sum(len(v) for v in paths.values())
    provenance = {
        "package": "mlflow",
        "version": version,
        "source": "protobuf descriptors (mlflow/protos/*_pb2.py) and handler schemas "
        "(mlflow/server/handlers.py) of the mlflow version pinned in test/python/requirements.lock",
        "generatedBy": "specs/mlflow/build_spec.py",
        "file": "specs/mlflow/openapi.yaml",
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "operations": ops,
        "paths": len(paths),
        "checkedBy": "test/engines/mlflow-client.test.ts (every operation called against a real "
        "mlflow server, every response validated against its schema)",
    }
    (out_dir / "PROVENANCE.json").write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}: {ops} operations on {len(paths)} paths")


if __name__ == "__main__":
    main()
