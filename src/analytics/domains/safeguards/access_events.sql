-- The access events of the months of `periods`, each with its local time and month, and
-- its member as the workforce table has them (NULL: an unknown member).
WITH params AS (SELECT * FROM safeguard_params),
bounds AS (SELECT min(start_ts) AS lo, max(end_ts) AS hi FROM periods)
SELECT a.access_id, a.member_id, a.patient_id, a.accessed_at, a.action,
    timezone(params.tz, a.accessed_at) AS local_ts,
    timezone(params.tz, a.accessed_at)::DATE AS local_date,
    strftime(timezone(params.tz, a.accessed_at), '%Y-%m') AS period,
    w.member_id IS NULL AS unknown_member, w.role, w.hired_on, w.terminated_on,
    w.patient_id AS own_patient_id
FROM access_log a
CROSS JOIN params
CROSS JOIN bounds
LEFT JOIN workforce w ON w.member_id = a.member_id
WHERE a.accessed_at >= bounds.lo AND a.accessed_at < bounds.hi
