-- Officer list: the month's sales of Washington consumers' health data without a valid
-- MHMDA authorization (RCW 19.373.070): none cited, one not valid (its reason), or a valid
-- HIPAA authorization where Washington needs its own.
SELECT disclosure_id, patient_id, timezone($tz, disclosed_at)::DATE AS disclosed,
    recipient_name, authorization_id, authorization_regime AS regime,
    CASE WHEN authorization_id IS NULL THEN 'no authorization cited'
         WHEN authorization_reason IS NOT NULL THEN 'not valid: ' || authorization_reason
         ELSE 'a ' || upper(authorization_regime) || ' authorization, not an MHMDA one'
    END AS why
FROM disclosures_authorized
WHERE in_months(disclosed_at) AND purpose = 'sale'
  AND patient_id IN (SELECT patient_id FROM washington_consumers)
  AND NOT (authorization_id IS NOT NULL AND authorization_reason IS NULL
           AND authorization_regime = 'mhmda')
ORDER BY disclosed_at, disclosure_id
