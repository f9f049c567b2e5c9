-- One row per request: its local dates, due date (calendar or business days, with a
-- valid extension), acknowledgment due date, days to close and on-time flag.
-- Binds $tz and the acknowledgment rule ($ack_regime, $ack_types, $ack_unit, $ack_days).
WITH local_dates AS (
    SELECT requests.*,
        timezone($tz, received_at)::DATE AS received_date,
        timezone($tz, closed_at)::DATE AS closed_date,
        timezone($tz, extended_at)::DATE AS extended_date,
        timezone($tz, acknowledged_at)::DATE AS acknowledged_date
    FROM requests
),
with_deadline AS (
    -- the most specific policy row: a regime's own entry before the '*' entry
    SELECT local_dates.*, deadline.days, deadline.unit, deadline.extension,
        deadline.source AS deadline_source
    FROM local_dates LEFT JOIN deadline_policy deadline
      ON deadline.request_type = local_dates.request_type
     AND deadline.regime IN (local_dates.regime, '*')
    QUALIFY row_number() OVER (
        PARTITION BY local_dates.request_id ORDER BY (deadline.regime = '*')) = 1
),
with_start AS (
    SELECT with_deadline.*, calendar.bd_seq AS received_seq
    FROM with_deadline LEFT JOIN business_calendar calendar
      ON calendar.day = with_deadline.received_date
),
with_original_due AS (
    SELECT with_start.*,
        CASE WHEN unit = 'calendar' THEN received_date + days
             ELSE (SELECT min(day) FROM business_calendar b
                   WHERE b.is_business_day AND b.bd_seq = with_start.received_seq + days)
        END AS original_due_date
    FROM with_start
),
with_extension AS (
    SELECT with_original_due.*,
        coalesce(extension > 0 AND extended_date IS NOT NULL
                 AND extended_date <= original_due_date, false) AS valid_extension
    FROM with_original_due
),
dated AS (
    SELECT with_extension.*,
        CASE WHEN NOT valid_extension THEN original_due_date
             WHEN unit = 'calendar' THEN original_due_date + extension
             ELSE (SELECT min(day) FROM business_calendar b
                   WHERE b.is_business_day
                     AND b.bd_seq = with_extension.received_seq + days + extension)
        END AS due_date,
        CASE WHEN regime = $ack_regime AND list_contains($ack_types, request_type)
             THEN CASE WHEN $ack_unit = 'calendar' THEN received_date + $ack_days
                  ELSE (SELECT min(day) FROM business_calendar b
                        WHERE b.is_business_day
                          AND b.bd_seq = with_extension.received_seq + $ack_days)
                  END
        END AS ack_due_date,
        closed_date - received_date AS days_to_close
    FROM with_extension
)
SELECT *, closed_date <= due_date AS on_time FROM dated
