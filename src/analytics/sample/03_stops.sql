-- Opt-outs and their life cycle, one row per patient that withdrew on SMS or e-mail.
CREATE TEMP TABLE sms_stops AS
WITH s AS (
    SELECT p.*, greatest(p.first_visit, DATE '2025-01-01') AS earliest
    FROM patients p WHERE sms_marketing AND u(i, 'stop') < 0.14
), t AS (
    SELECT *,
        earliest + floor(u(i, 'stopday') * (DATE '2026-10-28' - earliest))::INTEGER AS stop_day
    FROM s WHERE earliest < DATE '2026-10-28'
)
SELECT i, patient_id,
    loc(stop_day + INTERVAL 8 HOUR + to_seconds(floor(u(i, 'stopt') * 50000)::BIGINT)) AS stop_at,
    pick(i, 'stopbody', ['STOP', 'Stop', 'stop please', 'UNSUBSCRIBE', 'Stop all', ' STOP ',
        'opt out', 'optout', 'Cancel', 'quit', 'STOP!!', 'Please stop texting me', 'End',
        'stop.', 'Revoke']) AS body,
    u(i, 'missed') < 0.03 AS missed,
    CASE
        WHEN u(i, 'never') < 0.015 THEN NULL
        WHEN strftime(stop_day, '%Y-%m') = '2026-03'
            THEN to_seconds(floor(3600 * (6 + 66 * u(i, 'slow')))::BIGINT)
        ELSE to_seconds(floor(60 + 14400 * pow(u(i, 'delay'), 5))::BIGINT)
    END AS delay,
    u(i, 'extra_conf') < 0.04 AS extra_confirmation,
    CASE WHEN u(i, 'reopt') < 0.12
        THEN stop_day + 30 + floor(u(i, 'reoptd') * 170)::INTEGER END AS reopt_day
FROM t;

CREATE TEMP TABLE email_stops AS
WITH s AS (
    SELECT p.*, greatest(p.first_visit, DATE '2025-01-01') AS earliest
    FROM patients p WHERE email_marketing AND u(i, 'estop') < 0.10
)
SELECT i, patient_id,
    loc(earliest + floor(u(i, 'estopday') * (DATE '2026-10-28' - earliest))::INTEGER
        + INTERVAL 7 HOUR + to_seconds(floor(u(i, 'estopt') * 60000)::BIGINT)) AS stop_at,
    to_seconds(floor(60 + 7200 * u(i, 'edelay'))::BIGINT) AS delay
FROM s WHERE earliest < DATE '2026-10-28';

-- Replies that revoke consent in other words (Spanish and English), from patients who get
-- only service texts; the officer reviewed about half (an opt-out names the reply).
CREATE TEMP TABLE revocations AS
WITH r AS (
    SELECT p.*, greatest(p.first_visit, DATE '2025-01-01') AS earliest
    FROM patients p WHERE svc_sms AND NOT sms_marketing AND u(i, 'revoke') < 0.03
)
SELECT i, patient_id,
    loc(earliest + floor(u(i, 'revday') * (DATE '2026-10-31' - earliest))::INTEGER
        + INTERVAL 10 HOUR + to_seconds(floor(u(i, 'revt') * 30000)::BIGINT)) AS sent_at,
    pick(i, 'revbody', ['No más mensajes por favor', 'NO MAS', 'Alto', 'Baja',
        'Ya no quiero recibir mensajes', 'Cancelar por favor', 'Please remove me from your list',
        'No more texts please', 'Leave me alone', 'Do not text this number']) AS body,
    u(i, 'revreviewed') < 0.5 AS reviewed,
    to_seconds(floor(3600 + u(i, 'revlag') * 68400)::BIGINT) AS delay
FROM r WHERE earliest < DATE '2026-10-31';
