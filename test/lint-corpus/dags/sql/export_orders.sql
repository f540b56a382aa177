-- Hourly extract for finance (the old /home/etl/exports location was retired).
COPY (SELECT * FROM analytics.orders WHERE loaded_at >= '{{ data_interval_start }}')
TO '/home/etl/exports/orders.csv' WITH CSV HEADER;  -- expect: hardcoded-path
-- The run tag: a typo of run_id the task fails on.
COMMENT ON TABLE analytics.orders IS 'exported by {{ run_idd }}';  -- expect: template-error
