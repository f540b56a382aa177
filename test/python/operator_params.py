"""The keyword arguments of Airflow's classic operators, for test/engines/operator-params.test.ts.

Prints JSON: BaseOperator's parameters (its __init__ up the class hierarchy), and each operator's
own (those of the classes between it and BaseOperator), as the installed Airflow and providers
define them: the standard provider's operators, the Kubernetes provider's KubernetesPodOperator
and the common SQL provider's SQLExecuteQueryOperator (the same import paths on Airflow 3 and 2).
"""

import inspect
import json

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

try:
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.providers.standard.operators.python import (
        BranchPythonOperator,
        PythonOperator,
        ShortCircuitOperator,
    )
    from airflow.providers.standard.operators.trigger_dagrun import (
        TriggerDagRunOperator,
    )
    from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
    from airflow.providers.standard.sensors.filesystem import FileSensor
    from airflow.providers.standard.sensors.python import PythonSensor
    from airflow.sdk import BaseOperator
except ImportError:
    from airflow.models.baseoperator import BaseOperator
    from airflow.operators.bash import BashOperator
    from airflow.operators.empty import EmptyOperator
    from airflow.operators.python import (
        BranchPythonOperator,
        PythonOperator,
        ShortCircuitOperator,
    )
    from airflow.operators.trigger_dagrun import TriggerDagRunOperator
    from airflow.sensors.external_task import ExternalTaskSensor
    from airflow.sensors.filesystem import FileSensor
    from airflow.sensors.python import PythonSensor


def params(cls):
    """The named parameters of the __init__s from cls up to BaseOperator."""
    out = set()
    for k in cls.__mro__:
        init = k.__dict__.get("__init__")
        if init is None:
            continue
        try:
            sig = inspect.signature(init)
        except (TypeError, ValueError):
            continue
        for p in sig.parameters.values():
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or p.name == "self":
                continue
            out.add(p.name)
        if k is BaseOperator:
            break
    return sorted(out)


base = set(params(BaseOperator))
res = {"BaseOperator": sorted(base)}
for c in [
    BashOperator,
    PythonOperator,
    BranchPythonOperator,
    ShortCircuitOperator,
    EmptyOperator,
    FileSensor,
    PythonSensor,
    TriggerDagRunOperator,
    ExternalTaskSensor,
    KubernetesPodOperator,
    SQLExecuteQueryOperator,
]:
    res[c.__name__] = sorted(set(params(c)) - base)
print(json.dumps(res))
