  AND status IN ('paid', 'shipped')
  AND amount_cents > 0
  AND created_at < '{{ data_interval_end }}'
