-- Consent changes on every channel: opt-ins at sign-up, the opt-outs of the stops above,
-- re-opt-ins, in the clinic's mixed ways of recording them.
CREATE TEMP TABLE g_consent AS
WITH ev AS (
    SELECT patient_id, 'sms' AS channel, 'service' AS purpose, 'opt_in' AS action,
        'in_person' AS method, loc(first_visit + INTERVAL 9 HOUR
            + to_seconds(floor(u(i, 'c1') * 3600)::BIGINT)) AS occurred_at,
        INTERVAL 3 MINUTE AS delay, NULL AS source_message_id, 1 AS seq
    FROM patients WHERE svc_sms
    UNION ALL
    SELECT patient_id, 'sms', CASE WHEN consent_all THEN 'all' ELSE 'marketing' END, 'opt_in',
        pick(i, 'm2', ['web_form', 'in_person', 'written']),
        loc(first_visit + INTERVAL 9 HOUR + to_seconds(floor(3700 + u(i, 'c2') * 3600)::BIGINT)),
        INTERVAL 4 MINUTE, NULL, 2
    FROM patients WHERE sms_marketing
    UNION ALL
    SELECT patient_id, 'email', 'marketing', 'opt_in', 'web_form',
        loc(first_visit + INTERVAL 9 HOUR + to_seconds(floor(7400 + u(i, 'c3') * 3600)::BIGINT)),
        INTERVAL 2 MINUTE, NULL, 3
    FROM patients WHERE email_marketing
    UNION ALL
    SELECT patient_id, 'sms', 'all', 'opt_out', 'sms_keyword', stop_at + INTERVAL 2 SECOND,
        delay, 'M-IN-STOP-' || pad(i::VARCHAR, 6, '0'), 4
    FROM sms_stops WHERE NOT missed
    UNION ALL
    SELECT patient_id, 'sms', 'marketing', 'opt_in', 'web_form',
        loc(reopt_day + INTERVAL 12 HOUR), INTERVAL 5 MINUTE, NULL, 5
    FROM sms_stops WHERE reopt_day IS NOT NULL AND reopt_day <= DATE '2026-10-31'
        AND NOT missed
    UNION ALL
    SELECT patient_id, 'email', 'marketing', 'opt_out', 'email_link', stop_at, delay, NULL, 6
    FROM email_stops
    UNION ALL
    SELECT patient_id, 'sms', 'marketing', 'opt_out', 'written', sent_at, delay,
        'M-IN-REV-' || pad(i::VARCHAR, 6, '0'), 7
    FROM revocations WHERE reviewed
)
SELECT 'CE' || pad(row_number() OVER (ORDER BY occurred_at, patient_id, seq)::VARCHAR, 7, '0')
        AS event_id,
    patient_id, channel, purpose, action, method, occurred_at,
    occurred_at + delay AS processed_at, source_message_id
FROM ev
ORDER BY occurred_at, patient_id, seq;
