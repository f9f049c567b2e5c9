-- The first and last local date ($tz) on which a request was received.
SELECT min(timezone($tz, received_at))::DATE AS first_received,
    max(timezone($tz, received_at))::DATE AS last_received
FROM requests
