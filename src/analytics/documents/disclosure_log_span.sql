-- The first and last local date of the disclosure log (rows used): what an accounting can show.
SELECT timezone($tz, min(disclosed_at))::DATE AS first_day,
    timezone($tz, max(disclosed_at))::DATE AS last_day
FROM disclosures
