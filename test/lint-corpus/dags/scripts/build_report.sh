#!/usr/bin/env bash
# Builds the weekly report for the week pick_week chose; prints its URL (the task's XCom).
set -euo pipefail
WEEK="{{ ti.xcom_pull(task_ids='pick_week', key='week') }}"
python -m reports.weekly --week "$WEEK" --out "{{ var.value.reports_bucket }}/weekly/$WEEK.html"
echo "{{ var.value.reports_bucket }}/weekly/$WEEK.html"
