-- Every access event of the months of `periods`, once, with the rules it raises (a list,
-- empty when none; rules are independent). `bulk_day` is one alert per member and local
-- day, on the day's last event. The treatment relationship is two ASOF joins against the
-- patient's visits: the latest on or before the access's local date and the earliest on or
-- after it; visits too far from every event of the months to matter are not read.
WITH params AS (SELECT * FROM safeguard_params),
events AS MATERIALIZED (SELECT * FROM access_events),
bounds AS (
    SELECT min(start_ts) - to_days((SELECT relationship_days FROM params) + 2) AS lo,
        max(end_ts) + to_days((SELECT relationship_days FROM params) + 2) AS hi
    FROM periods
),
visits AS (
    SELECT patient_id, timezone((SELECT tz FROM params), started_at)::DATE AS visit_date
    FROM encounters
    WHERE started_at >= (SELECT lo FROM bounds) AND started_at < (SELECT hi FROM bounds)
),
held AS (  -- events of the roles held to a treatment relationship
    SELECT access_id, patient_id, local_date FROM events
    WHERE list_contains((SELECT relationship_roles FROM params), role)
),
before AS (
    SELECT h.access_id, h.patient_id, h.local_date, v.visit_date AS visit_before
    FROM held h ASOF LEFT JOIN visits v
      ON h.patient_id = v.patient_id AND h.local_date >= v.visit_date
),
nearest AS (
    SELECT b.access_id,
        coalesce(b.local_date - b.visit_before > (SELECT relationship_days FROM params), true)
        AND coalesce(v.visit_date - b.local_date > (SELECT relationship_days FROM params), true)
            AS no_encounter
    FROM before b ASOF LEFT JOIN visits v
      ON b.patient_id = v.patient_id AND b.local_date <= v.visit_date
),
bulk AS (
    SELECT arg_max(access_id, (accessed_at, access_id)) AS access_id
    FROM events GROUP BY member_id, local_date
    HAVING count(DISTINCT patient_id) > (SELECT bulk_patients_per_day FROM params)
)
SELECT e.*,
    list_filter([
        CASE WHEN e.unknown_member THEN 'unknown_member' END,
        CASE WHEN e.terminated_on IS NOT NULL AND e.local_date >= e.terminated_on
             THEN 'after_termination' END,
        CASE WHEN e.local_date < e.hired_on THEN 'before_hire' END,
        CASE WHEN e.own_patient_id = e.patient_id THEN 'self_access' END,
        CASE WHEN nearest.no_encounter THEN 'no_encounter' END,
        CASE WHEN e.local_ts::TIME < (SELECT day_starts FROM params)
                  OR e.local_ts::TIME >= (SELECT day_ends FROM params)
                  OR isodow(e.local_date) = 7 THEN 'after_hours' END,
        CASE WHEN bulk.access_id IS NOT NULL THEN 'bulk_day' END
    ], lambda x: x IS NOT NULL) AS rules
FROM events e
LEFT JOIN nearest USING (access_id)
LEFT JOIN bulk USING (access_id)
