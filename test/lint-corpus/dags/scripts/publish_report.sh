#!/usr/bin/env bash
set -euo pipefail
URL="{{ ti.xcom_pull(task_ids='build_report', key='report_url') }}"  # expect: missing-xcom-key
curl -fsS -X POST "$SLACK_WEBHOOK" -d "{\"text\": \"Weekly report: $URL\"}"
cp /Users/dana/templates/footer.html "$TMPDIR/footer.html"  # expect: hardcoded-path
