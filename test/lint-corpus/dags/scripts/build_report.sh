#!/usr/bin/env bash
# Builds the weekly report for the week pick_week chose; prints its URL (the task's XCom).
set -euo pipefail
WEEK="{{ ti.xcom_pull(task_ids='pick_week', key='week') }}"
python -m reports.weekly --week "$WEEK" --out "{{ var.value.reports_bucket }}/weekly/$WEEK.html"
# Every section but the appendix; the loop is closed with endif, which Jinja refuses.
for section in {% for s in params.get('sections', ['summary']) %}{{ s }} {% endif %}; do  # expect: template-error
  echo "section $section"
done
echo "{{ var.value.reports_bucket }}/weekly/$WEEK.html"
