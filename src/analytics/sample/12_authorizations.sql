-- The patients' authorizations behind disclosures (contract v2), and the sales that need
-- them: most cited authorizations are in order; planted among them every defect and every
-- reason a disclosure is not validly authorized. A research programme whose
-- authorizations end on 2026-11-20 (renewals due after October); a marketing partner
-- paid for patients' data, half of whose forms omit the remuneration statement; a few
-- Washington patients whose data is sold; a revocation followed by one more disclosure.

-- A few Washington patients (taken from California ones, whose zone and calling window
-- the rules read the same way).
UPDATE patient_places SET state = 'WA'
WHERE patient_id IN (SELECT patient_id FROM patient_places WHERE state = 'CA'
                     ORDER BY patient_id LIMIT 6);

-- Sales to the marketing partner (2026-08 to 2026-10), one more disclosure after a
-- revocation, and the Washington sales.
CREATE TEMP TABLE g_sales AS
WITH ca AS (
    SELECT patient_id, row_number() OVER (ORDER BY patient_id) AS n
    FROM patient_places WHERE state = 'CA' AND patient_id > 'P000100'
    ORDER BY patient_id LIMIT 18
), wa AS (
    SELECT patient_id, row_number() OVER (ORDER BY patient_id) AS n
    FROM patient_places WHERE state = 'WA'
)
SELECT 'DS' || pad(n::VARCHAR, 4, '0') AS disclosure_id, patient_id,
    loc(DATE '2026-08-03' + (n * 4)::INTEGER + INTERVAL 15 HOUR) AS disclosed_at,
    'AS' || pad(n::VARCHAR, 4, '0') AS authorization_id,
    loc(DATE '2026-08-01' + (n * 4)::INTEGER - 20 + INTERVAL 11 HOUR) AS signed_at,
    'hipaa' AS regime, n % 2 = 0 AS states_remuneration, NULL::TIMESTAMPTZ AS revoked_at
FROM ca
UNION ALL
-- Washington: under an MHMDA authorization (valid), under a HIPAA one (valid for HIPAA,
-- not for Washington), under none, and under an MHMDA one of two years (defective)
SELECT 'DW' || pad(n::VARCHAR, 4, '0'), patient_id,
    loc(DATE '2026-10-05' + (n * 4)::INTEGER + INTERVAL 14 HOUR),
    CASE WHEN n = 3 THEN NULL ELSE 'AW' || pad(n::VARCHAR, 4, '0') END,
    loc(DATE '2026-09-20' + (n * 4)::INTEGER + INTERVAL 10 HOUR),
    CASE WHEN n IN (1, 4, 5) THEN 'mhmda' ELSE 'hipaa' END, true, NULL
FROM wa;

INSERT INTO g_disclosures
SELECT disclosure_id, patient_id, disclosed_at, 'Glow Promotions LLC', 'Los Angeles, CA',
    'marketing_partner', 'sale', 'contact,demographic',
    'Name, e-mail and treatment interests sold for promotions', authorization_id, NULL
FROM g_sales
UNION ALL
-- the revoked marketing authorization cited once more, ten days after its revocation
SELECT * FROM (SELECT 'DR0001', patient_id, disclosed_at + INTERVAL 40 DAY, recipient_name,
    recipient_address, recipient_type, purpose, data_categories, description,
    authorization_id, vendor_id
FROM g_disclosures
WHERE purpose = 'marketing' AND authorization_id IS NOT NULL
  AND disclosed_at BETWEEN TIMESTAMPTZ '2026-08-01' AND TIMESTAMPTZ '2026-09-20'
ORDER BY disclosed_at DESC LIMIT 1);

CREATE TEMP TABLE g_authorizations AS
WITH cited AS (
    SELECT *, TRY_CAST(substr(authorization_id, 6) AS BIGINT) AS k
    FROM g_disclosures
    WHERE authorization_id LIKE 'AUTH-%' AND disclosure_id <> 'DR0001'
), planted AS (
    SELECT *,
        CASE WHEN u(k, 'a_fate') < 0.04 THEN 'missing'          -- unknown
             WHEN u(k, 'a_fate') < 0.07 THEN 'late_signature'   -- before_signature
             WHEN u(k, 'a_fate') < 0.08 THEN 'other_patient'
             WHEN purpose = 'research' AND u(k, 'a_fate') < 0.30 THEN 'expired'
             WHEN purpose = 'marketing' AND u(k, 'a_fate') < 0.25 THEN 'narrow'
             WHEN purpose = 'other' AND u(k, 'a_fate') < 0.13 THEN 'no_end_date'
             WHEN purpose = 'other' AND u(k, 'a_fate') < 0.16 THEN 'no_recipient'
             WHEN purpose = 'other' AND u(k, 'a_fate') < 0.18 THEN 'no_information'
             WHEN purpose = 'research' AND u(k, 'a_fate') < 0.36 THEN 'no_purpose'
             ELSE 'fine' END AS fate
    FROM cited
)
SELECT authorization_id,
    CASE fate WHEN 'other_patient'
        THEN 'P' || pad(((TRY_CAST(substr(patient_id, 2) AS BIGINT) % (SELECT n_patients FROM cfg)) + 1)::VARCHAR, 6, '0')
        ELSE patient_id END AS patient_id,
    CASE fate WHEN 'late_signature' THEN disclosed_at + INTERVAL 2 DAY
        ELSE disclosed_at - to_days((7 + floor(u(k, 'a_lead') * 50))::INTEGER) END AS signed_at,
    'hipaa' AS regime,
    CASE fate WHEN 'no_purpose' THEN ' , ' ELSE purpose END AS purposes,
    CASE WHEN fate = 'no_recipient' THEN NULL ELSE recipient_type END AS recipient_type,
    CASE WHEN fate = 'no_recipient' OR purpose = 'other' THEN NULL
         ELSE recipient_name END AS recipient_name,
    CASE fate WHEN 'narrow' THEN 'contact' WHEN 'no_information' THEN NULL
        ELSE data_categories END AS data_categories,
    CASE fate
        WHEN 'no_end_date' THEN NULL
        WHEN 'expired' THEN timezone((SELECT tz FROM cfg), disclosed_at)::DATE - 3
        -- the research programme ends on 2026-11-20
        WHEN 'fine' THEN CASE WHEN purpose = 'research' AND disclosed_at >= TIMESTAMPTZ '2026-01-01'
                              THEN DATE '2026-11-20'
                              ELSE (timezone((SELECT tz FROM cfg), disclosed_at)::DATE
                                    + INTERVAL 1 YEAR)::DATE END
        ELSE (timezone((SELECT tz FROM cfg), disclosed_at)::DATE + INTERVAL 1 YEAR)::DATE
    END AS expires_on,
    false AS states_remuneration,
    NULL::TIMESTAMPTZ AS revoked_at
FROM planted WHERE fate <> 'missing'
UNION ALL
SELECT authorization_id, patient_id, signed_at, regime,
    CASE WHEN disclosure_id LIKE 'DS%' THEN 'marketing, sale' ELSE 'sale' END,
    'marketing_partner', 'Glow Promotions LLC', 'contact,demographic',
    CASE WHEN regime = 'mhmda' AND disclosure_id = 'DW0005'
         THEN (timezone((SELECT tz FROM cfg), signed_at)::DATE + INTERVAL 2 YEAR)::DATE
         ELSE (timezone((SELECT tz FROM cfg), signed_at)::DATE + INTERVAL 1 YEAR)::DATE END,
    states_remuneration, revoked_at
FROM g_sales WHERE authorization_id IS NOT NULL
ORDER BY signed_at, authorization_id;

-- the patient revokes the marketing authorization the disclosure DR0001 cites ten days
-- before it
UPDATE g_authorizations SET revoked_at = d.disclosed_at - INTERVAL 10 DAY
FROM g_disclosures d
WHERE d.disclosure_id = 'DR0001' AND g_authorizations.authorization_id = d.authorization_id;
