-- Privacy-rights requests under HIPAA and the CCPA: seasonal volumes, every type,
-- extensions (some notified too late), denials, some still open.
CREATE TEMP TABLE g_requests AS
WITH months AS (
    -- about 11 requests a month per 3,000 patients, more in winter
    SELECT m, round((SELECT requests_per_3000 FROM cfg) * (SELECT n_patients FROM cfg) / 3000.0
                    * (1 + 0.35 * cos(2 * pi() * (month(m) - 1) / 12)))::INTEGER AS n
    FROM range(DATE '2025-01-01', DATE '2026-11-01', INTERVAL 1 MONTH) t(m)
), raw AS (
    SELECT m::DATE AS m, k, (year(m) * 100 + month(m))::BIGINT * 1000000 + k AS key
    FROM months, range(0, (SELECT max(n) FROM months)) r(k) WHERE k < n
), typed AS (
    SELECT *,
        pick(key, 'type', ['access', 'access', 'access', 'access', 'access', 'access',
            'marketing_opt_out', 'marketing_opt_out', 'marketing_opt_out', 'know', 'know',
            'delete', 'delete', 'amend', 'accounting', 'restriction', 'confidential_comms',
            'correct', 'opt_out_sale_share', 'limit_sensitive']) AS request_type,
        m + floor(u(key, 'day') * (last_day(m) - m + 1))::INTEGER AS rday
    FROM raw
), r AS (
    SELECT *,
        CASE WHEN request_type IN ('access', 'amend', 'accounting', 'restriction',
                'confidential_comms') THEN 'hipaa'
             WHEN request_type = 'marketing_opt_out'
                THEN CASE WHEN u(key, 'reg') < 0.5 THEN 'hipaa' ELSE 'ccpa' END
             ELSE 'ccpa' END AS regime,
        CASE request_type WHEN 'access' THEN 15 WHEN 'amend' THEN 60 WHEN 'accounting' THEN 60
            WHEN 'restriction' THEN 30 WHEN 'confidential_comms' THEN 30
            WHEN 'opt_out_sale_share' THEN 21 WHEN 'limit_sensitive' THEN 21
            WHEN 'marketing_opt_out' THEN 14 ELSE 45 END AS nominal_days,
        request_type IN ('amend', 'accounting', 'know', 'delete', 'correct') AS extendable,
        -- late evening arrivals land in the next UTC day (and month, at month end)
        loc(rday + CASE WHEN u(key, 'eve') < 0.15 THEN INTERVAL 22 HOUR
            ELSE INTERVAL 8 HOUR END + to_seconds(floor(u(key, 't') * 7000)::BIGINT))
            AS received_at
    FROM typed
), shaped AS (
    SELECT *,
        u(key, 'late') < 0.12 AS late,
        extendable AND u(key, 'ext') < 0.25 AS extended,
        extendable AND u(key, 'ext') < 0.25 AND u(key, 'extlate') < 0.3 AS extension_late,
        u(key, 'open') < 0.03 AS stuck_open,
        pick(key, 'outcome', ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled',
            'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled',
            'partial', 'denied', 'denied', 'withdrawn']) AS outcome0
    FROM r
), timed AS (
    SELECT *,
        CASE
            WHEN extended THEN nominal_days + floor(u(key, 'xd') * nominal_days * 0.9)::INTEGER
            WHEN late THEN nominal_days + 1 + floor(u(key, 'ld') * 20)::INTEGER
            ELSE 1 + floor(pow(u(key, 'd'), 0.7) * (nominal_days - 3))::INTEGER
        END AS close_days,
        CASE WHEN extension_late THEN nominal_days + 1 + floor(u(key, 'xl') * 3)::INTEGER
             ELSE floor(nominal_days * (0.5 + 0.4 * u(key, 'xw')))::INTEGER END AS ext_days
    FROM shaped
)
SELECT 'R' || strftime(m, '%y%m') || '-' || pad(k::VARCHAR, 3, '0') AS request_id,
    CASE WHEN u(key, 'unmatched') < 0.05 THEN NULL
         ELSE 'P' || pad((1 + floor(u(key, 'pat') * (SELECT n_patients FROM cfg)))
            ::INTEGER::VARCHAR, 6, '0') END AS patient_id,
    regime, request_type,
    pick(key, 'ch', ['web', 'web', 'email', 'email', 'phone', 'mail', 'in_person']) AS channel,
    received_at,
    CASE WHEN u(key, 'ack') < 0.9
        THEN received_at + to_seconds(floor(3600 * 24 * (pow(u(key, 'ackd'), 3) * 14))::BIGINT)
        END AS acknowledged_at,
    CASE WHEN u(key, 'ver') < 0.92
        THEN received_at + to_seconds(floor(3600 * 24 * (u(key, 'verd') * 5))::BIGINT)
        END AS verified_at,
    CASE WHEN extended THEN received_at + to_days(ext_days) END AS extended_at,
    CASE WHEN extended THEN pick(key, 'xr', ['records held off-site', 'complex request',
        'volume of records', 'identity verification pending']) END AS extension_reason,
    CASE WHEN NOT stuck_open
            AND received_at + to_days(close_days) <= loc(TIMESTAMP '2026-10-31 17:00')
        THEN received_at + to_days(close_days) + to_seconds(floor(u(key, 'ct') * 20000)::BIGINT)
        END AS closed_at,
    outcome0, key
FROM timed;

CREATE OR REPLACE TEMP TABLE g_requests AS
SELECT request_id, patient_id, regime, request_type, channel, received_at, acknowledged_at,
    verified_at, extended_at, extension_reason, closed_at,
    CASE WHEN closed_at IS NULL THEN NULL
         WHEN patient_id IS NULL THEN 'denied'
         ELSE outcome0 END AS outcome,
    CASE WHEN closed_at IS NULL THEN NULL
         WHEN patient_id IS NULL THEN 'unverified'
         WHEN outcome0 = 'denied' THEN
            CASE WHEN regime = 'ccpa' AND u(key, 'dr') < 0.6 THEN 'exempt_phi'
                 WHEN request_type = 'delete' THEN 'retention_required'
                 ELSE pick(key, 'dr2', ['unverified', 'not_found', 'other']) END
         END AS denial_reason
FROM g_requests
ORDER BY received_at, request_id;
