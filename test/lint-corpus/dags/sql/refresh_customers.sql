-- The filters moved to common/valid_customers.sql; this include still names the old file.
INSERT INTO analytics.customers
SELECT * FROM staging.customers
{% include 'common/customer_filters.sql' %}  -- expect: template-error
;
