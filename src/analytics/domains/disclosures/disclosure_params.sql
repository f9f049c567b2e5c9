-- The policy's values the view `disclosure_checks` reads (a view cannot bind
-- parameters): $tz, the purposes not accountable ($exempt) and those that need the
-- patient's authorization ($needs_auth).
SELECT $tz AS tz, $exempt::VARCHAR[] AS exempt, $needs_auth::VARCHAR[] AS needs_auth
