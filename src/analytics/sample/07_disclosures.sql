-- Business associates and their BAAs, and disclosures of every purpose (a few to a vendor
-- without a BAA in effect, a marketing one without authorization).
CREATE TEMP TABLE g_vendors AS
SELECT * FROM (VALUES
    ('V001', 'Secure EHR Cloud Inc.', DATE '2019-03-01', NULL::DATE),
    ('V002', 'Valley Medical Billing LLC', DATE '2020-01-15', DATE '2025-10-01'),
    ('V003', 'QuickText SMS Gateway', NULL::DATE, NULL::DATE),
    ('V004', 'ShredRight Document Destruction', DATE '2021-06-01', NULL::DATE),
    ('V005', 'After Hours Answering Service', DATE '2026-02-01', NULL::DATE)
) v(vendor_id, name, baa_signed_on, baa_ended_on);

CREATE TEMP TABLE g_disclosures AS
WITH d AS (
    SELECT k,
        pick(k, 'p', ['treatment', 'treatment', 'treatment', 'treatment', 'treatment',
            'treatment', 'treatment', 'payment', 'payment', 'payment', 'payment', 'operations',
            'operations', 'operations', 'operations', 'operations', 'required_by_law',
            'public_health', 'health_oversight', 'judicial', 'law_enforcement', 'research',
            'marketing', 'limited_data_set', 'facility_directory', 'incidental', 'other',
            'patient_copy', 'patient_copy']) AS p0,
        -- routine disclosures spread evenly; the others cluster on fewer patients, as
        -- subpoenas, reports and research enrolments do
        'P' || pad((1 + floor(u(k, 'pat') * (SELECT n_patients FROM cfg)
            / CASE WHEN u(k, 'p') < 0.55 THEN 1 ELSE 10 END))::INTEGER::VARCHAR, 6, '0')
            AS patient_id,
        loc(DATE '2025-01-01' + floor(u(k, 'day') * 669)::INTEGER + INTERVAL 8 HOUR
            + to_seconds(floor(u(k, 't') * 36000)::BIGINT)) AS disclosed_at
    FROM range(1, 1 + floor((SELECT n_patients * disclosure_rate FROM cfg))::BIGINT) r(k)
), r AS (
    SELECT *,
        CASE p0 WHEN 'patient_copy' THEN 'other' ELSE p0 END AS purpose,
        CASE p0
            WHEN 'treatment' THEN 'healthcare_provider' WHEN 'payment' THEN 'health_plan'
            WHEN 'operations' THEN 'business_associate' WHEN 'required_by_law' THEN 'government'
            WHEN 'public_health' THEN 'government' WHEN 'health_oversight' THEN 'government'
            WHEN 'judicial' THEN 'court' WHEN 'law_enforcement' THEN 'law_enforcement'
            WHEN 'research' THEN 'researcher' WHEN 'marketing' THEN 'marketing_partner'
            WHEN 'limited_data_set' THEN 'researcher' WHEN 'patient_copy' THEN 'patient'
            ELSE 'other' END AS recipient_type,
        pick(k, 'v', ['V001', 'V001', 'V002', 'V002', 'V003', 'V004', 'V005']) AS vendor
    FROM d
)
SELECT 'D' || pad(k::VARCHAR, 6, '0') AS disclosure_id, patient_id, disclosed_at,
    CASE recipient_type
        WHEN 'healthcare_provider' THEN pick(k, 'hp', ['Northridge Dermatology Group',
            'Valley Plastic Surgery', 'Dr. A. Rivera, MD'])
        WHEN 'health_plan' THEN pick(k, 'pl', ['Blue Shield of California', 'Anthem Blue Cross',
            'Aetna'])
        WHEN 'business_associate' THEN (SELECT name FROM g_vendors WHERE vendor_id = vendor)
        WHEN 'government' THEN pick(k, 'gv', ['LA County Dept. of Public Health',
            'Medical Board of California', 'CDPH'])
        WHEN 'court' THEN 'LA Superior Court'
        WHEN 'law_enforcement' THEN 'LAPD Devonshire Division'
        WHEN 'researcher' THEN 'UCLA Dermatology Research'
        WHEN 'marketing_partner' THEN 'Glow Promotions LLC'
        WHEN 'patient' THEN 'The patient'
        ELSE 'Patient''s attorney' END AS recipient_name,
    CASE WHEN u(k, 'addr') < 0.7 THEN pick(k, 'ad', ['Los Angeles, CA', 'Northridge, CA',
        'Sacramento, CA', 'Encino, CA']) END AS recipient_address,
    recipient_type, purpose,
    CASE
        WHEN purpose = 'marketing' THEN 'contact,sms_phone'
        WHEN purpose = 'payment' THEN 'phi,payment,demographic'
        WHEN recipient_type = 'business_associate' AND vendor = 'V003' THEN 'contact,sms_phone'
        ELSE 'phi,demographic' END AS data_categories,
    CASE purpose
        WHEN 'treatment' THEN 'Treatment summary and medication list'
        WHEN 'payment' THEN 'Claim with procedure codes and dates of service'
        WHEN 'operations' THEN 'Records processed by service provider'
        WHEN 'marketing' THEN 'Name and mobile number for promotional texts'
        WHEN 'research' THEN 'Treatment outcomes for study enrolment'
        WHEN 'judicial' THEN 'Records produced under subpoena'
        ELSE 'Copy of medical record' END AS description,
    CASE WHEN purpose IN ('research', 'other') AND u(k, 'auth') < 0.7 THEN 'AUTH-' || k
         WHEN purpose = 'marketing' AND u(k, 'auth') < 0.5 THEN 'AUTH-' || k END
        AS authorization_id,
    CASE WHEN recipient_type = 'business_associate' THEN vendor END AS vendor_id
FROM r
ORDER BY disclosed_at, disclosure_id;
