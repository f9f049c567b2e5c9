-- The officer's per-member summary of the one month of `periods`: events, distinct
-- patients, alerts (every rule), the members with alerts first.
WITH events AS (
    SELECT member_id, any_value(role) AS role, count(*) AS events,
        count(DISTINCT patient_id) AS patients
    FROM access_events GROUP BY member_id
),
alerts AS (
    SELECT member_id, count(*) AS alerts,
        string_agg(DISTINCT rule, ', ' ORDER BY rule) AS rules
    FROM access_alerts GROUP BY member_id
)
SELECT e.member_id AS "member", coalesce(e.role, 'unknown') AS "role", e.events,
    e.patients AS "distinct patients", coalesce(a.alerts, 0) AS alerts,
    coalesce(a.rules, '') AS "rules raised"
FROM events e LEFT JOIN alerts a USING (member_id)
ORDER BY coalesce(a.alerts, 0) DESC, e.member_id
