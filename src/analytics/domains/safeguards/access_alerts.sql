-- One row per access event of the months of `periods` and rule it raises (rules are
-- independent; `bulk_day` is one alert per member and local day, on the day's last event).
-- The treatment relationship is two ASOF joins against the patient's encounters: the
-- latest on or before the access's local date and the earliest on or after it.
WITH params AS (SELECT * FROM safeguard_params),
visits AS (
    SELECT patient_id, timezone((SELECT tz FROM params), started_at)::DATE AS visit_date
    FROM encounters
),
held AS (  -- events of the roles held to a treatment relationship
    SELECT e.access_id, e.patient_id, e.local_date
    FROM access_events e
    WHERE list_contains((SELECT relationship_roles FROM params), e.role)
),
before AS (
    SELECT h.access_id, h.patient_id, h.local_date, v.visit_date AS visit_before
    FROM held h ASOF LEFT JOIN visits v
      ON h.patient_id = v.patient_id AND h.local_date >= v.visit_date
),
nearest AS (
    SELECT b.access_id, b.local_date, b.visit_before, v.visit_date AS visit_after
    FROM before b ASOF LEFT JOIN visits v
      ON b.patient_id = v.patient_id AND b.local_date <= v.visit_date
),
days AS (
    SELECT member_id, local_date, count(DISTINCT patient_id) AS patients,
        arg_max(access_id, (accessed_at, access_id)) AS last_access_id
    FROM access_events GROUP BY member_id, local_date
),
raised AS (
    SELECT access_id, 'unknown_member' AS rule FROM access_events WHERE unknown_member
    UNION ALL
    SELECT access_id, 'after_termination' FROM access_events
    WHERE terminated_on IS NOT NULL AND local_date >= terminated_on
    UNION ALL
    SELECT access_id, 'before_hire' FROM access_events WHERE local_date < hired_on
    UNION ALL
    SELECT access_id, 'self_access' FROM access_events WHERE own_patient_id = patient_id
    UNION ALL
    SELECT access_id, 'no_encounter' FROM nearest
    WHERE coalesce(local_date - visit_before > (SELECT relationship_days FROM params), true)
      AND coalesce(visit_after - local_date > (SELECT relationship_days FROM params), true)
    UNION ALL
    SELECT access_id, 'after_hours' FROM access_events
    WHERE local_ts::TIME < (SELECT day_starts FROM params)
       OR local_ts::TIME >= (SELECT day_ends FROM params)
       OR isodow(local_date) = 7
    UNION ALL
    SELECT last_access_id, 'bulk_day' FROM days
    WHERE patients > (SELECT bulk_patients_per_day FROM params)
)
SELECT e.period, e.access_id, e.member_id, e.role, e.patient_id, e.local_ts, e.action,
    raised.rule
FROM raised JOIN access_events e USING (access_id)
