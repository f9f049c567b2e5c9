-- Safeguards (contract v2): about 25 workforce members per 3,000 patients (clinicians, front
-- desk, billing, marketing, admin, IT, contractors), yearly HIPAA privacy and security
-- courses (a few lapsed), one encounter per visit, and the EHR's audit trail: the front desk
-- opens a record before the visit, the clinician during it, billing days later. Planted: a
-- front-desk member who browses records of patients with no visit, a contractor's account
-- used after the contractor left, a few evening and Sunday sessions, a clinician who opens
-- their own record, and one afternoon of bulk export by an administrator.
CREATE TEMP TABLE g_workforce AS
WITH m AS (
    SELECT j, greatest(25, round(25 * (SELECT n_patients FROM cfg) / 3000.0))::INTEGER AS total
    FROM range(0, greatest(25, round(25 * (SELECT n_patients FROM cfg) / 3000.0))::INTEGER) t(j)
)
SELECT 'W' || pad(j::VARCHAR, 5, '0') AS member_id,
    CASE WHEN j % 25 < 8 THEN 'clinician' WHEN j % 25 < 13 THEN 'front_desk'
         WHEN j % 25 < 16 THEN 'billing' WHEN j % 25 < 18 THEN 'marketing'
         WHEN j % 25 < 21 THEN 'admin' WHEN j % 25 < 23 THEN 'it' ELSE 'contractor' END
        AS role,
    DATE '2015-01-05' + floor(u(j, 'hire') * 3200)::INTEGER AS hired_on,
    CASE WHEN j = 24 THEN DATE '2026-09-01'  -- the contractor whose account lived on
         WHEN j % 25 >= 16 AND u(j, 'quit') < 0.25
         THEN DATE '2025-03-01' + floor(u(j, 'quitd') * 500)::INTEGER END AS terminated_on,
    CASE WHEN j = 6 THEN 'P000100' END AS patient_id
FROM m;

CREATE TEMP TABLE g_training AS
WITH years AS (
    SELECT w.member_id, w.hired_on, w.terminated_on, k,
        w.hired_on + 7 + k::INTEGER * 365 + floor(u(hash(w.member_id) + k, 'tj') * 20)::INTEGER
            AS done,
        u(hash(w.member_id), 'lapse') < 0.12 AS lapses
    FROM g_workforce w, range(0, 13) t(k)
)
SELECT 'T' || pad(row_number() OVER (ORDER BY member_id, k, course)::VARCHAR, 7, '0')
        AS training_id,
    member_id,
    course,
    done + CASE WHEN course = ' HIPAA_Security ' THEN 2 ELSE 0 END AS completed_on
FROM years, (VALUES ('hipaa_privacy'), (' HIPAA_Security '), ('fire_safety')) c(course)
WHERE done <= least(DATE '2026-10-31', coalesce(terminated_on, DATE '2026-10-31'))
  AND NOT (lapses AND done > DATE '2025-06-30')
  AND (course <> 'fire_safety' OR k % 3 = 0);

CREATE TEMP TABLE g_encounters AS
SELECT 'EN' || pad((v.i * 100 + v.k)::VARCHAR, 9, '0') AS encounter_id, v.patient_id,
    loc((CASE WHEN isodow(v.visit_date) = 7 THEN v.visit_date + 1 ELSE v.visit_date END)
        + INTERVAL 10 HOUR) AS started_at
FROM visits v
WHERE v.visit_date BETWEEN DATE '2024-01-01' AND DATE '2026-10-31';

CREATE TEMP TABLE g_access AS
WITH staff AS (
    SELECT (SELECT count(*) FROM g_workforce) // 25 AS blocks
),
seen AS (
    SELECT e.encounter_id, e.patient_id, e.started_at, hash(e.encounter_id) AS h,
        (SELECT blocks FROM staff) AS blocks
    FROM g_encounters e WHERE e.started_at >= loc(TIMESTAMP '2025-01-01 00:00')
),
routine AS (
    -- the front desk checks the patient in, the clinician sees them, billing follows up
    SELECT encounter_id || '-F' AS access_id,
        'W' || pad((25 * floor(u(h, 'fb') * blocks) + 8 + floor(u(h, 'fr') * 5))::BIGINT::VARCHAR,
            5, '0') AS member_id,
        patient_id, started_at - INTERVAL 12 MINUTE AS accessed_at, 'view' AS action
    FROM seen
    UNION ALL
    SELECT encounter_id || '-C', 'W' || pad((25 * floor(u(h, 'cb') * blocks)
            + floor(u(h, 'cr') * 8))::BIGINT::VARCHAR, 5, '0'),
        patient_id, started_at + INTERVAL 5 MINUTE, 'view'
    FROM seen
    UNION ALL
    SELECT encounter_id || '-E', 'W' || pad((25 * floor(u(h, 'cb') * blocks)
            + floor(u(h, 'cr') * 8))::BIGINT::VARCHAR, 5, '0'),
        patient_id,
        -- a few notes finished in the evening
        CASE WHEN u(h, 'late') < 0.006 THEN started_at + INTERVAL 10 HOUR + INTERVAL 35 MINUTE
             ELSE started_at + INTERVAL 40 MINUTE END,
        'edit'
    FROM seen
    UNION ALL
    SELECT encounter_id || '-B', 'W' || pad((25 * floor(u(h, 'bb') * blocks) + 13
            + floor(u(h, 'br') * 3))::BIGINT::VARCHAR, 5, '0'),
        patient_id,
        started_at + to_days(2 + floor(u(h, 'bd') * 4)::INTEGER) + INTERVAL 4 HOUR, 'view'
    FROM seen WHERE u(h, 'bill') < 0.6
)
SELECT * FROM routine
-- billing follow-ups that fall on a Sunday move to Monday
WHERE NOT (access_id LIKE '%-B' AND isodow(timezone((SELECT tz FROM cfg), accessed_at)) = 7)
UNION ALL
SELECT access_id || '-M', member_id, patient_id, accessed_at + INTERVAL 1 DAY, action
FROM routine
WHERE access_id LIKE '%-B' AND isodow(timezone((SELECT tz FROM cfg), accessed_at)) = 7;

-- a front-desk member browsing records of patients not seen for a year or more
INSERT INTO g_access
SELECT 'AC-BROWSE-' || row_number() OVER (ORDER BY p.i), 'W00009', p.patient_id,
    loc(DATE '2026-10-05' + (row_number() OVER (ORDER BY p.i))::INTEGER % 18
        + INTERVAL 12 HOUR + to_minutes(row_number() OVER (ORDER BY p.i))), 'view'
FROM patients p JOIN last_visits lv USING (i)
WHERE lv.last_visit < DATE '2025-06-01' AND u(p.i, 'browse') < 0.02
QUALIFY row_number() OVER (ORDER BY p.i) <= 12;
-- the contractor left on 2026-09-01; the account kept opening records in October
INSERT INTO g_access
SELECT 'AC-GONE-' || k, 'W00024', 'P' || pad((200 + k * 37)::VARCHAR, 6, '0'),
    loc(DATE '2026-10-06' + k::INTEGER * 3 + INTERVAL 11 HOUR), 'export'
FROM range(1, 6) t(k);
-- a Sunday session, and a clinician opening their own record
INSERT INTO g_access VALUES
    ('AC-SUNDAY-1', 'W00001', 'P000101', loc(TIMESTAMP '2026-10-18 15:20'), 'view'),
    ('AC-SUNDAY-2', 'W00001', 'P000102', loc(TIMESTAMP '2026-10-18 15:42'), 'edit'),
    ('AC-SELF-1', 'W00006', 'P000100', loc(TIMESTAMP '2026-10-12 11:05'), 'view');
-- an administrator's afternoon export of 80 patients
INSERT INTO g_access
SELECT 'AC-BULK-' || k, 'W00019', 'P' || pad((1000 + k)::VARCHAR, 6, '0'),
    loc(TIMESTAMP '2026-10-14 13:00' + to_minutes(k)), 'export'
FROM range(1, 81) t(k);
