-- The record inventory: medical and other classes, minors' records, legal holds, overdue
-- and premature destruction.
CREATE TEMP TABLE g_records AS
WITH base AS (
    SELECT p.i, p.patient_id, p.first_visit, coalesce(lv.last_visit, p.first_visit) AS last_visit,
        p.birth_date, cls.record_class, cls.n AS cn,
        CASE cls.record_class WHEN 'marketing_profile' THEN 3 WHEN 'consent_proof' THEN 5
            ELSE 7 END AS years
    FROM patients p LEFT JOIN last_visits lv USING (i),
        (VALUES ('medical', 1), ('billing', 2), ('consent_proof', 3), ('marketing_profile', 4))
            cls(record_class, n)
    WHERE cls.record_class IN ('medical', 'billing')
       OR (cls.record_class = 'consent_proof' AND (p.svc_sms OR p.sms_marketing))
       OR (cls.record_class = 'marketing_profile' AND (p.sms_marketing OR p.email_marketing))
), due AS (
    SELECT *,
        CASE WHEN record_class = 'medical'
            THEN greatest(last_visit + to_years(years), birth_date + INTERVAL 19 YEAR)::DATE
            ELSE (last_visit + to_years(years))::DATE END AS dispose_by,
        u(i * 10 + cn, 'hold') < 0.006 AS legal_hold
    FROM base
)
SELECT 'REC' || pad((i * 10 + cn)::VARCHAR, 8, '0') AS record_id, patient_id, record_class,
    loc(first_visit + INTERVAL 9 HOUR) AS created_at,
    loc(last_visit + INTERVAL 17 HOUR) AS last_activity_at,
    CASE WHEN record_class = 'medical' THEN birth_date END AS birth_date,
    legal_hold,
    CASE WHEN NOT legal_hold AND dispose_by + 60 < DATE '2026-10-31'
            AND u(i * 10 + cn, 'disp') < CASE WHEN record_class = 'marketing_profile'
                THEN 0.55 ELSE 0.88 END
        THEN loc(dispose_by + floor(u(i * 10 + cn, 'dd') * 60)::INTEGER + INTERVAL 14 HOUR)
        END AS disposed_at
FROM due
UNION ALL
SELECT 'REC-' || request_id, patient_id, 'request_log', received_at,
    coalesce(closed_at, received_at), NULL, false, NULL
FROM g_requests WHERE patient_id IS NOT NULL
UNION ALL
-- one encounter note per visit (health-system profile), kept like the medical record
SELECT 'ENC' || pad((v.i * 100 + v.k)::VARCHAR, 9, '0'), v.patient_id, 'medical',
    loc(v.visit_date + INTERVAL 10 HOUR), loc(v.visit_date + INTERVAL 16 HOUR), p.birth_date,
    false,
    CASE WHEN (v.visit_date + to_years(7))::DATE + 60 < DATE '2026-10-31'
             AND u(v.i * 100 + v.k, 'encd') < 0.9
         THEN loc((v.visit_date + to_years(7))::DATE + 20 + INTERVAL 14 HOUR) END
FROM visits v JOIN patients p USING (i)
WHERE (SELECT encounter_records FROM cfg) AND v.visit_date <= DATE '2026-10-31'
  AND u(v.i * 100 + v.k, 'enc') < 0.45;

-- one medical record destroyed two years early, one destroyed while on legal hold
UPDATE g_records SET disposed_at = loc(TIMESTAMP '2026-04-20 14:00'),
    last_activity_at = loc(TIMESTAMP '2021-03-15 17:00'),
    created_at = loc(TIMESTAMP '2016-05-02 09:00')
WHERE record_id = (SELECT min(record_id) FROM g_records
    WHERE record_class = 'medical' AND NOT legal_hold AND disposed_at IS NULL
      AND birth_date < DATE '1990-01-01');
UPDATE g_records SET disposed_at = loc(TIMESTAMP '2026-02-10 15:00')
WHERE record_id = (SELECT min(record_id) FROM g_records
    WHERE record_class = 'billing' AND legal_hold AND disposed_at IS NULL
      AND last_activity_at < loc(TIMESTAMP '2018-01-01'));
