/**
 * The head of the DAG files the lint engine tests write: the imports that work on Airflow 3
 * and on Airflow 2 (a try / except ImportError), a start date and a list to loop over.
 */
export const DAG_HEAD = `import pendulum

try:
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG, TaskGroup, chain, cross_downstream, dag, task, task_group
    from airflow.task.trigger_rule import TriggerRule
except ImportError:
    from airflow import DAG
    from airflow.decorators import dag, task, task_group
    from airflow.models.baseoperator import chain, cross_downstream
    from airflow.operators.empty import EmptyOperator
    from airflow.utils.task_group import TaskGroup
    from airflow.utils.trigger_rule import TriggerRule

START = pendulum.datetime(2026, 1, 1)
TABLES = ["orders", "users"]
`;
