-- Officer list: the month's disclosures that broke a rule, with the rules named.
SELECT disclosure_id, patient_id, disclosed_date AS disclosed,
    concat_ws('; ',
        CASE WHEN ba_without_baa THEN 'business associate without a BAA in effect' END,
        CASE WHEN marketing_without_authorization
             THEN 'marketing or sale without authorization' END,
        CASE WHEN sms_data_shared THEN 'SMS phone number shared' END) AS problem,
    recipient_name, recipient_type, purpose, data_categories, vendor_id, authorization_id
FROM disclosure_checks
WHERE in_months(disclosed_at)
  AND (ba_without_baa OR marketing_without_authorization OR sms_data_shared)
ORDER BY disclosed_at, disclosure_id
