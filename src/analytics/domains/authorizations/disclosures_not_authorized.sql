-- Officer list: the month's disclosures citing an authorization that does not allow them,
-- with the first reason (and, out of scope, what it does not cover; defective, its
-- defect) and the authorization's local dates.
SELECT disclosure_id, patient_id, timezone($tz, disclosed_at)::DATE AS disclosed, purpose,
    recipient_name, recipient_type, authorization_id, authorization_reason AS reason,
    authorization_outside AS not_covered, authorization_defect AS defect,
    authorization_regime AS regime, timezone($tz, authorization_signed_at)::DATE AS signed,
    authorization_expires_on AS expires_on,
    timezone($tz, authorization_revoked_at)::DATE AS revoked
FROM disclosures_authorized
WHERE in_months(disclosed_at) AND authorization_reason IS NOT NULL
ORDER BY disclosed_at, disclosure_id
