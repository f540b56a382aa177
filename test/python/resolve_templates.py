"""What real Airflow loads as each task's template files: imports the DAGs of a folder with the
DagBag, has every task resolve its template files as a run does (resolve_template_files: a
templated field whose value, or list item, ends with one of the operator's template_ext is
replaced by the file's text, found by the DAG's Jinja loader), and writes each task's templated
fields that hold text as JSON: {dag_id: {task_id: {field: str | [str]}}}. A task whose loaded
text `{% include %}`s files by name gets "__includes__": {name: the text Jinja's loader of the
DAG gives for it, or null when it finds none}, those files' own includes too.

Usage: resolve_templates.py <dags folder> <out.json>
"""

import json
import sys

from jinja2 import TemplateNotFound, nodes
from mlgen_dagbag import load


def includes(env, text: str, out: dict) -> None:
    """The files `text` includes by a literal name, as the DAG's Jinja environment loads them."""
    for node in env.parse(text).find_all(nodes.Include):
        name = getattr(node.template, "value", None)
        if not isinstance(name, str) or name in out:
            continue
        try:
            source, _, _ = env.loader.get_source(env, name)
        except TemplateNotFound:
            if not node.ignore_missing:
                out[name] = None
            continue
        out[name] = source
        includes(env, source, out)


def main() -> None:
    folder, out = sys.argv[1], sys.argv[2]
    bag = load(folder)
    seen: dict[str, dict[str, dict[str, object]]] = {}
    for dag_id, dag in sorted(bag.dags.items()):
        tasks = seen.setdefault(dag_id, {})
        for task in dag.tasks:
            task.resolve_template_files()
            fields = {}
            for field in task.template_fields:
                value = getattr(task, field, None)
                if isinstance(value, str) or (
                    isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
                ):
                    fields[field] = value if isinstance(value, str) else list(value)
            env = dag.get_template_env()
            found: dict = {}
            for value in fields.values():
                for text in [value] if isinstance(value, str) else value:
                    includes(env, text, found)
            if found:
                fields["__includes__"] = found
            tasks[task.task_id] = fields
    with open(out, "w", encoding="utf-8") as f:
        json.dump(seen, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
