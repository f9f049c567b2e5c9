-- The policy's values a view reads (a view cannot bind parameters): $tz, the age until
-- which minors' medical records are kept ($minor_age) and the grace days ($grace).
SELECT $tz AS tz, $minor_age::INTEGER AS minor_age, $grace::INTEGER AS grace
