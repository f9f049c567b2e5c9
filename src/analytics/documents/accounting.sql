-- One patient's ($patient) accountable disclosures from $first through $as_of, oldest
-- first, as an accounting lists them (45 CFR 164.528(b)), with, for one that cites an
-- authorization that does not allow it, the reason and the authorization's dates (local).
SELECT strftime(disclosed_date, '%Y-%m-%d') AS "date", recipient_name AS recipient,
    coalesce(recipient_address, 'not known') AS address, description, purpose,
    disclosure_id, authorization_reason, authorization_outside, authorization_defect,
    strftime(timezone($tz, authorization_signed_at)::DATE, '%Y-%m-%d') AS authorization_signed,
    strftime(authorization_expires_on, '%Y-%m-%d') AS authorization_expires,
    strftime(timezone($tz, authorization_revoked_at)::DATE, '%Y-%m-%d') AS authorization_revoked
FROM disclosure_checks
WHERE patient_id = $patient AND accountable AND disclosed_date BETWEEN $first AND $as_of
ORDER BY disclosed_at, disclosure_id
