MERGE INTO analytics.orders AS t
USING staged AS s ON t.order_id = s.order_id
WHEN MATCHED THEN UPDATE SET amount_cents = s.amount_cents, loaded_at = '{{ execution_date }}'  -- expect: airflow3-removed
WHEN NOT MATCHED THEN
  INSERT (order_id, amount_cents, batch)
  VALUES (s.order_id, s.amount_cents, '{{ ti.xcom_pull(task_ids="pick_batch", key="batch") }}');  -- expect: missing-xcom-key
