-- Stage one batch of raw orders; the batch id and the row limit come from pick_batch.
CREATE TEMP TABLE staged AS
SELECT *
FROM raw.orders
WHERE batch_id = '{{ ti.xcom_pull(task_ids="pick_batch", key="batch_id") }}'
  AND source_path NOT LIKE '/tmp/%'
{% include 'sql/common/valid_orders.sql' %}
LIMIT {{ ti.xcom_pull(task_ids="pick_batch", key="row_limit") }};
