-- The rights the clinic agreed to honour (contract v2). Restrictions: a few patients a year
-- keep self-paid care from their health plan or keep everything from marketing partners;
-- one self-pay request denied (which the law forbids), one still undecided, one ended, and
-- one broken by a later payment claim to the health plan. Preferences: a few patients
-- asking not to be mailed or called, one of them called anyway for an appointment.
-- Complaints: about 14 per 3,000 patients over the two years, every topic, some through a
-- regulator; one resolved after 40 days, one withdrawn, one open past due. Acknowledgments
-- of the notice at most first visits (a few refused, a few never obtained).
CREATE TEMP TABLE g_restrictions AS
WITH chosen AS (
    SELECT p.*, greatest(p.first_visit, DATE '2025-01-01')
            + floor(u(i, 'rq') * 600)::INTEGER AS asked,
        u(i, 'rself') < 0.5 AS self_pay
    FROM patients p
    WHERE u(i, 'restr') < 0.004 AND greatest(p.first_visit, DATE '2025-01-01') < DATE '2026-09-01'
), planned AS (
    SELECT c.*, least(asked, DATE '2026-10-20') AS requested
    FROM chosen c
    -- a self-pay restriction only where no later payment claim would break it by chance
    WHERE NOT (self_pay AND EXISTS (
        SELECT 1 FROM g_disclosures d WHERE d.patient_id = c.patient_id
          AND d.recipient_type = 'health_plan'))
)
SELECT 'RS' || pad(i::VARCHAR, 6, '0') AS restriction_id, patient_id,
    loc(requested + INTERVAL 11 HOUR) AS requested_at,
    'agreed' AS decision,
    loc(requested + 2 + INTERVAL 15 HOUR) AS decided_at,
    CASE WHEN self_pay THEN 'health_plan' ELSE 'marketing_partner' END AS recipient_type,
    CASE WHEN self_pay THEN 'payment' END AS purpose,
    self_pay,
    CASE WHEN u(i, 'rend') < 0.15 AND requested < DATE '2026-03-01'
        THEN loc(requested + 120 + INTERVAL 10 HOUR) END AS ended_at
FROM planned;

-- broken: a restriction agreed 18 days before an existing claim to the patient's health plan
INSERT INTO g_restrictions
SELECT 'RS-BROKEN', patient_id, disclosed_at - INTERVAL 20 DAY, 'agreed',
    disclosed_at - INTERVAL 18 DAY, 'health_plan', 'payment', true, NULL
FROM g_disclosures
WHERE recipient_type = 'health_plan' AND purpose = 'payment'
  AND disclosed_at >= loc(TIMESTAMP '2026-09-01 00:00')
ORDER BY disclosure_id LIMIT 1;
-- denied though self-paid (164.522(a)(1)(vi) requires agreeing), and one still undecided
INSERT INTO g_restrictions
SELECT 'RS-DENIED', patient_id, loc(TIMESTAMP '2026-04-06 10:30'), 'denied',
    loc(TIMESTAMP '2026-04-08 16:00'), 'health_plan', 'payment', true, NULL
FROM patients WHERE i = 17;
INSERT INTO g_restrictions
SELECT 'RS-PENDING', patient_id, loc(TIMESTAMP '2026-10-28 12:00'), NULL, NULL, NULL,
    'research', false, NULL
FROM patients WHERE i = 23;

CREATE TEMP TABLE g_preferences AS
SELECT 'CP' || pad(i::VARCHAR, 6, '0') AS preference_id, patient_id, 'mail' AS channel,
    'avoid' AS rule,
    loc(greatest(first_visit, DATE '2025-01-01') + floor(u(i, 'pf') * 500)::INTEGER
        + INTERVAL 12 HOUR) AS effective_at,
    NULL::TIMESTAMPTZ AS ended_at
FROM patients WHERE u(i, 'pref') < 0.008;
-- broken: "do not call me", then an appointment-reminder call
INSERT INTO g_preferences
SELECT 'CP-BROKEN', patient_id, 'phone', 'avoid', sent_at - INTERVAL 30 DAY, NULL
FROM g_messages
WHERE channel = 'phone' AND direction = 'outbound' AND purpose = 'service'
  AND sent_at >= loc(TIMESTAMP '2026-10-01 00:00')
ORDER BY message_id LIMIT 1;

CREATE TEMP TABLE g_complaints AS
WITH n AS (
    SELECT greatest(1, round(14 * (SELECT n_patients FROM cfg) / 3000.0))::INTEGER AS total
), k AS (
    SELECT k, (SELECT total FROM n) AS total FROM range(0, (SELECT total FROM n)) t(k)
), dated AS (
    SELECT k, total,
        DATE '2025-01-06' + floor(k * 640.0 / total + u(k, 'cd') * 20)::INTEGER AS received,
        pick(k, 'ctopic', ['access', 'marketing', 'sms', 'disclosure', 'security', 'other'])
            AS topic,
        pick(k, 'cch', ['web', 'email', 'phone', 'mail', 'in_person']) AS channel,
        CASE WHEN u(k, 'creg') < 0.12 THEN 'hhs_ocr' WHEN u(k, 'creg') < 0.16 THEN 'ca_ag' END
            AS regulator,
        3 + floor(u(k, 'cdays') * 24)::INTEGER AS days
    FROM k
)
SELECT 'CO' || pad(k::VARCHAR, 5, '0') AS complaint_id,
    CASE WHEN u(k, 'cpat') < 0.9
        THEN 'P' || pad((1 + floor(u(k, 'cp') * (SELECT n_patients FROM cfg)))::BIGINT::VARCHAR,
            6, '0')
        END AS patient_id,
    loc(received + INTERVAL 10 HOUR) AS received_at, channel, topic,
    CASE WHEN k = 3 THEN 'hhs_ocr' ELSE regulator END AS regulator,
    CASE WHEN received + days < DATE '2026-10-25'
        THEN loc(received + CASE WHEN k = 5 THEN 40 ELSE days END + INTERVAL 15 HOUR)
        END AS resolved_at,
    CASE WHEN received + days >= DATE '2026-10-25' THEN NULL
         WHEN k = 7 THEN 'withdrawn'
         WHEN u(k, 'cout') < 0.3 THEN 'upheld' ELSE 'not_upheld' END AS outcome
FROM dated;
-- open past due: a complaint about marketing texts received in September, not answered
INSERT INTO g_complaints VALUES ('CO-OVERDUE', 'P000042', loc(TIMESTAMP '2026-09-10 09:30'),
    'email', 'sms', NULL, NULL, NULL);

CREATE TEMP TABLE g_acknowledgments AS
SELECT 'ACK' || pad(i::VARCHAR, 6, '0') AS acknowledgment_id, patient_id,
    CASE WHEN first_visit < DATE '2025-01-01' THEN '2011-06' ELSE '2025-01' END
        AS notice_version,
    loc(first_visit + INTERVAL 8 HOUR + INTERVAL 45 MINUTE) AS recorded_at,
    CASE WHEN first_visit >= DATE '2025-01-01' AND u(i, 'ack') < 0.015 THEN 'refused'
        ELSE 'signed' END AS status
FROM patients
-- every patient seen before 2025; of the new, 1.5 % refused and 2.5 % never asked
WHERE first_visit < DATE '2025-01-01' OR u(i, 'ack') < 0.015 OR u(i, 'ackx') >= 0.025;
