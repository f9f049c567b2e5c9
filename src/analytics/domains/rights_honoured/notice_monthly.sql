-- Per period of `periods`: patients whose first service is in the period, and of them
-- those with an acknowledgment of the notice.
SELECT p.period,
    count(f.patient_id) AS new_patients,
    count(f.patient_id) FILTER (f.acknowledged) AS acknowledged
FROM periods p
LEFT JOIN first_services f ON f.first_service_date BETWEEN p.first_day AND p.as_of
GROUP BY p.period ORDER BY p.period
