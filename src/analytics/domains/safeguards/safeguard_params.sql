-- The policy's values the views of this domain read (a view cannot bind parameters).
SELECT $tz AS tz, $courses::VARCHAR[] AS courses, $initial_days::INTEGER AS initial_days,
    $refresh_months::INTEGER AS refresh_months, $roles::VARCHAR[] AS relationship_roles,
    $relationship_days::INTEGER AS relationship_days, $day_starts::TIME AS day_starts,
    $day_ends::TIME AS day_ends, $bulk::INTEGER AS bulk_patients_per_day
