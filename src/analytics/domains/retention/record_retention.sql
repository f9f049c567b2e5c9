-- One row per record with its retention dates (a view: the officer's lists read a few
-- records of millions; the monthly figures read `retention_runs`).
WITH local_dates AS (
    SELECT records.*,
        timezone(params.tz, created_at)::DATE AS created_date,
        timezone(params.tz, last_activity_at)::DATE AS last_activity_date,
        timezone(params.tz, disposed_at)::DATE AS disposed_date,
        schedule.keep_years, schedule.dispose_by_years, params.minor_age, params.grace
    FROM records LEFT JOIN retention_policy schedule USING (record_class)
    CROSS JOIN retention_params params
),
with_minor AS (
    SELECT *,
        record_class = 'medical' AND birth_date IS NOT NULL
            AND birth_date + to_years(18) > last_activity_date AS minor,
        (last_activity_date + to_years(keep_years))::DATE AS base_end
    FROM local_dates
),
with_retention_end AS (
    SELECT *,
        CASE WHEN minor
             THEN greatest(base_end, (birth_date + to_years(minor_age))::DATE)
             ELSE base_end END AS retention_end
    FROM with_minor
),
with_dispose_by AS (
    SELECT *,
        greatest(retention_end,
                 (last_activity_date + to_years(dispose_by_years))::DATE) AS dispose_by
    FROM with_retention_end
)
SELECT record_id, patient_id, record_class, legal_hold, created_date,
    last_activity_date, disposed_date, minor, retention_end, dispose_by,
    dispose_by + grace AS disposal_due
FROM with_dispose_by
