"""Every template_fields a class of the installed Airflow (core and providers) declares, as JSON.

For test/engines/operator-params.test.ts: which arguments some operator renders. Reads the source
with ast (importing every provider module would need their dependencies), so it sees what the
classes write: a tuple, list or set of literal names, annotated or not.
Usage: python template_fields.py  ->  prints {"<module path>:<class>": [field, ...]} on one line
"""

import ast
import json
from pathlib import Path

import airflow

out = {}
root = Path(airflow.__file__).parent
for path in sorted(root.rglob("*.py")):
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        continue
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for stmt in cls.body:
            target = stmt.target if isinstance(stmt, ast.AnnAssign) else None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
            value = getattr(stmt, "value", None)
            if not (isinstance(target, ast.Name) and target.id == "template_fields"):
                continue
            if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
                names = [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                out[f"{path.relative_to(root)}:{cls.name}"] = names
print(json.dumps(out, sort_keys=True))
