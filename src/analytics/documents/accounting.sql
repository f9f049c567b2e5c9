-- One patient's ($patient) accountable disclosures from $first through $as_of, oldest
-- first, as an accounting lists them (45 CFR 164.528(b)).
SELECT strftime(disclosed_date, '%Y-%m-%d') AS "date", recipient_name AS recipient,
    coalesce(recipient_address, 'not known') AS address, description, purpose,
    disclosure_id
FROM disclosure_checks
WHERE patient_id = $patient AND accountable AND disclosed_date BETWEEN $first AND $as_of
ORDER BY disclosed_at, disclosure_id
