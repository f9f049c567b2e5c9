-- The values the view `disclosures_authorized` reads (a view cannot bind parameters):
-- the clinic's zone $tz, and whether the export has an authorizations log ($checked).
SELECT $tz AS tz, $checked::BOOLEAN AS checked
