-- The officer's list: patients whose first service is in the one month of `periods` and
-- who have no acknowledgment of the notice (nor a documented refusal) by its grace date.
SELECT f.patient_id AS "patient", f.first_service_date AS "first service",
    f.first_recorded AS "first acknowledgment on record"
FROM first_services f, periods p
WHERE f.first_service_date BETWEEN p.first_day AND p.as_of AND NOT f.acknowledged
ORDER BY f.first_service_date, f.patient_id
