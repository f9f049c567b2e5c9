-- The patients who are Washington consumers (RCW 19.373.010): `patients.state` is WA,
-- trimmed and ignoring case. Without a patients table, none is.
SELECT DISTINCT patient_id FROM patients WHERE upper(state) = 'WA'
