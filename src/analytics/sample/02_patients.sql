-- The patients: a numbered id each, some seen before the window (historic), with where
-- they live and their phone's time zone (the contract's patients table).
CREATE TEMP TABLE patients AS
WITH base AS (
    SELECT i, 'P' || pad(i::VARCHAR, 6, '0') AS patient_id,
        u(i, 'hist') < 0.45 AS historic
    FROM range(1, (SELECT n_patients FROM cfg) + 1) t(i)
), fv AS (
    SELECT *,
        CASE WHEN historic
            THEN DATE '2012-01-01' + floor(u(i, 'fv') * 4747)::INTEGER
            ELSE DATE '2025-01-01' + floor(sqrt(u(i, 'fv')) * 658)::INTEGER END AS first_visit,
        30 + floor(u(i, 'gap') * 90)::INTEGER AS gap_days,
        CASE WHEN u(i, 'churn') < 0.5 THEN floor(u(i, 'life') * 1800)::INTEGER ELSE 99999 END
            AS lifetime_days
    FROM base
)
SELECT *,
    least(first_visit + lifetime_days, DATE '2026-10-31') AS active_until,
    CASE WHEN u(i, 'minor') < 0.03
        THEN first_visit - (15 * 365 + floor(u(i, 'age') * 1000))::INTEGER
        ELSE first_visit - (18 * 365 + floor(u(i, 'age') * 52 * 365))::INTEGER END AS birth_date,
    u(i, 'svc') < 0.90 AS svc_sms,
    u(i, 'smsm') < 0.55 AS sms_marketing,
    u(i, 'emm') < 0.45 AS email_marketing,
    u(i, 'all') < 0.10 AS consent_all
FROM fv;

CREATE TEMP TABLE visits AS
SELECT p.i, p.patient_id, k,
    p.first_visit + k * p.gap_days + floor(u(p.i * 100 + k, 'vj') * 10)::INTEGER AS visit_date
FROM patients p, (SELECT range::INTEGER AS k FROM range(0, 60)) r
WHERE p.first_visit + k * p.gap_days <= p.active_until;

CREATE TEMP TABLE last_visits AS
SELECT i, max(visit_date) AS last_visit FROM visits GROUP BY i;

-- Where patients are: most in California, some snowbirds in New York, Texas and Florida,
-- a few in Hawaii and Arizona; for some the zone is not known (the clinic's is used).
-- Planted: a zone name spelt in lower case, a state in lower case, and one misspelt zone.
CREATE TEMP TABLE patient_places AS
WITH placed AS (SELECT i, patient_id, u(i, 'place') AS x FROM patients)
SELECT patient_id,
    CASE WHEN x < 0.030 THEN 'NY'
         WHEN x < 0.045 THEN CASE WHEN u(i, 'scase') < 0.3 THEN 'tx' ELSE 'TX' END
         WHEN x < 0.048 THEN 'HI' WHEN x < 0.050 THEN 'AZ' WHEN x < 0.053 THEN 'FL'
         ELSE 'CA' END AS state,
    CASE WHEN i = 7 THEN 'America/Los_Angles'
         WHEN x < 0.030 THEN CASE WHEN u(i, 'zcase') < 0.2 THEN 'america/new_york'
                                  ELSE 'America/New_York' END
         WHEN x < 0.045 THEN 'America/Chicago'
         WHEN x < 0.048 THEN 'Pacific/Honolulu'
         WHEN x < 0.050 THEN 'America/Phoenix'
         WHEN x < 0.053 THEN 'America/New_York'
         WHEN x < 0.100 THEN NULL
         ELSE 'America/Los_Angeles' END AS time_zone
FROM placed;
