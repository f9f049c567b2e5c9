-- Every disclosure that breaks a restriction in effect at its instant (a range join on the
-- patient): agreed, decided at or before it, not ended by it, covering its recipient type
-- and purpose (NULL: any). A disclosure to the patient, or for a purpose no restriction can
-- stop ($exempt, 164.522(a)(1)(v)), breaks none; one that breaks several counts once, with
-- every restriction it broke listed. Binds $exempt.
SELECT d.disclosure_id, d.patient_id, d.disclosed_at, d.recipient_name, d.recipient_type,
    d.purpose, d.authorization_id,
    string_agg(r.restriction_id, ', ' ORDER BY r.restriction_id) AS restrictions_broken
FROM disclosures d
JOIN restrictions r
  ON r.patient_id = d.patient_id
 AND r.decision = 'agreed'
 AND r.decided_at <= d.disclosed_at
 AND (r.ended_at IS NULL OR d.disclosed_at < r.ended_at)
 AND (r.recipient_type IS NULL OR r.recipient_type = d.recipient_type)
 AND (r.purpose IS NULL OR r.purpose = d.purpose)
WHERE d.recipient_type <> 'patient' AND NOT list_contains($exempt::VARCHAR[], d.purpose)
GROUP BY ALL
