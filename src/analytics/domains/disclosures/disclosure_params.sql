-- The policy's values the view `disclosure_checks` reads (a view cannot bind
-- parameters): $tz, the purposes not accountable ($exempt), those that need the
-- patient's authorization ($needs_auth), and whether the export has an authorizations log
-- to check each cited authorization against ($checked).
SELECT $tz AS tz, $exempt::VARCHAR[] AS exempt, $needs_auth::VARCHAR[] AS needs_auth,
    $checked::BOOLEAN AS checked
