#!/usr/bin/env bash
set -euo pipefail
URL="{{ ti.xcom_pull(task_ids='build_report', key='report_url') }}"  # expect: missing-xcom-key
curl -fsS -X POST "$SLACK_WEBHOOK" -d "{\"text\": \"Weekly report: $URL\"}"
# The week's label for the channel topic: the filter is spelled as in another templating tool.
echo "week of {{ ds | date_format('%d %b') }}"  # expect: template-error
cp /Users/dana/templates/footer.html "$TMPDIR/footer.html"  # expect: hardcoded-path
