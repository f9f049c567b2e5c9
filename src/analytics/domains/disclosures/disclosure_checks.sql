-- Every disclosure with its rule flags (a view: a health system makes ten million
-- disclosures a year and each query reads a month of them; filter on `disclosed_at`).
-- Not accountable under an authorization: one cited (v1), or, with the authorizations log
-- in the export, one that is valid (`disclosures_authorized`: no reason against it).
SELECT disclosure.*, timezone(params.tz, disclosure.disclosed_at)::DATE AS disclosed_date,
    NOT (disclosure.recipient_type = 'patient'
         OR (disclosure.authorization_id IS NOT NULL
             AND (NOT params.checked OR disclosure.authorization_reason IS NULL))
         OR list_contains(params.exempt, disclosure.purpose)) AS accountable,
    disclosure.recipient_type = 'business_associate' AS to_business_associate,
    -- in effect on the disclosure's local date: signed on or before it, and not ended on
    -- or before it (baa_ended_on is the first day without)
    disclosure.recipient_type = 'business_associate' AND NOT EXISTS (
        SELECT 1 FROM vendor_baa baa
        WHERE baa.vendor_id = disclosure.vendor_id AND baa.baa_from <= disclosure.disclosed_at
          AND (baa.baa_until IS NULL OR baa.baa_until > disclosure.disclosed_at)
    ) AS ba_without_baa,
    list_contains(params.needs_auth, disclosure.purpose) AND disclosure.authorization_id IS NULL
        AS marketing_without_authorization,
    list_contains(string_split(disclosure.data_categories, ','), 'sms_phone')
        AND disclosure.recipient_type <> 'patient' AS sms_data_shared
FROM disclosures_authorized disclosure CROSS JOIN disclosure_params params
