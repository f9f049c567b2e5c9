-- Whether any table of the export mentions the patient $patient (looked up literally).
SELECT EXISTS (SELECT 1 FROM disclosures WHERE patient_id = $patient)
    OR EXISTS (SELECT 1 FROM records WHERE patient_id = $patient)
    OR EXISTS (SELECT 1 FROM consent_events WHERE patient_id = $patient)
    OR EXISTS (SELECT 1 FROM messages WHERE patient_id = $patient)
    OR EXISTS (SELECT 1 FROM requests WHERE patient_id = $patient) AS known
