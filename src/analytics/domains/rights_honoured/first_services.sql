-- Each patient's first service (the earliest creation of a medical record) with its local
-- date, and whether an acknowledgment of the notice (any status) was recorded on or before
-- that date + $grace days: any acknowledgment before it counts, however long before.
-- Binds $tz and $grace.
WITH first AS (
    SELECT patient_id, min(created_at) AS first_service
    FROM records WHERE record_class = 'medical'
    GROUP BY patient_id
),
first_ack AS (
    SELECT patient_id, min(timezone($tz, recorded_at))::DATE AS first_recorded
    FROM notice_acknowledgments GROUP BY patient_id
)
SELECT first.patient_id, first.first_service,
    timezone($tz, first.first_service)::DATE AS first_service_date,
    first_ack.first_recorded,
    coalesce(first_ack.first_recorded <= timezone($tz, first.first_service)::DATE + $grace,
             false) AS acknowledged
FROM first LEFT JOIN first_ack USING (patient_id)
