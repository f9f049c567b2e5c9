-- The officer's list: every alert of the one month of `periods`, by member then time.
SELECT member_id AS "member", coalesce(role, 'unknown') AS "role", patient_id AS "patient",
    strftime(local_ts, '%Y-%m-%d %H:%M:%S') AS "local time", action, rule,
    access_id AS "access (audit id)"
FROM access_alerts
ORDER BY member_id, local_ts, access_id, rule
