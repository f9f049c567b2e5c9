-- The first and last local date ($tz) on which an incident was discovered.
SELECT min(timezone($tz, discovered_at))::DATE AS first_discovered,
    max(timezone($tz, discovered_at))::DATE AS last_discovered
FROM incidents
