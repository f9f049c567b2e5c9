-- The annual log for HHS (45 CFR 164.408(c)): every incident discovered in the year
-- ($first to $last) that affected fewer than $hhs_at_least individuals and is notifiable
-- as of the one month of `periods` (assessed a breach, or not assessed: presumed one), with
-- its owed notices and whether each was sent on time.
SELECT incident_id, occurred_date, discovered_date, category, location, individuals,
    description, individuals_sent, assessed_date, determination,
    list(struct_pack(kind := kind, due := due, sent := CASE WHEN sent_by_as_of THEN sent_date END)
         ORDER BY kind) AS notices
FROM owed_notices
WHERE discovered_date BETWEEN $first AND $last AND individuals < $hhs_at_least
GROUP BY ALL
ORDER BY discovered_date, incident_id
