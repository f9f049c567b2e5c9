-- One row per incident and notice kind it may owe (shared/spec/domains/incidents.md): the
-- notice's due date and the local date it was sent. Whether an incident is notifiable is
-- judged against an as-of date by the queries that read this table, and so is the ca_ag
-- due date (`due_date` holds the one "while individuals are not notified"; once they are,
-- it is their notice's date + $ag_days).
-- Binds $tz and the policy's clocks; reads `incident_calendar` (business days).
WITH local_dates AS (
    SELECT incident_id, category, location, description,
        timezone($tz, discovered_at)::DATE AS discovered_date,
        timezone($tz, occurred_at)::DATE AS occurred_date,
        timezone($tz, assessed_at)::DATE AS assessed_date,
        determination,
        coalesce(computerized, true) AS computerized,  -- NULL counts as true
        coalesce(individuals_affected, 0) AS individuals,  -- NULL counts as 0
        coalesce(ca_residents_affected, 0) AS ca_residents,
        coalesce(largest_state_residents, 0) AS largest_state,
        law_enforcement_hold_until AS hold_until,
        timezone($tz, individuals_notified_at)::DATE AS individuals_sent,
        timezone($tz, hhs_notified_at)::DATE AS hhs_sent,
        timezone($tz, media_notified_at)::DATE AS media_sent,
        timezone($tz, ag_notified_at)::DATE AS ca_ag_sent,
        timezone($tz, cdph_notified_at)::DATE AS cdph_sent
    FROM incidents
),
clocks AS (
    SELECT local_dates.*,
        computerized AND ca_residents > 0 AND discovered_date >= $ca_effective::DATE
            AS ca_rule,
        -- the N-th business day after discovery (H&S 1280.15(b))
        (SELECT min(b.day) FROM incident_calendar b
         WHERE b.is_business_day AND b.bd_seq = start.bd_seq + $cdph_days) AS cdph_due
    FROM local_dates
    LEFT JOIN incident_calendar start ON start.day = local_dates.discovered_date
),
due AS (
    SELECT clocks.*,
        -- a law-enforcement hold moves the individuals, media and HHS dates (164.412)
        greatest(
            CASE WHEN $cdph_applies
                THEN least(CASE WHEN ca_rule THEN discovered_date + $ca_days
                                ELSE discovered_date + $individuals_days END, cdph_due)
                ELSE CASE WHEN ca_rule THEN discovered_date + $ca_days
                          ELSE discovered_date + $individuals_days END
            END,
            hold_until) AS individuals_due,
        greatest(discovered_date + $media_days, hold_until) AS media_due,
        greatest(
            CASE WHEN individuals >= $hhs_at_least THEN discovered_date + $hhs_days
                 -- the 60th day after 31 December: 1 March, or 29 February in a leap year
                 ELSE make_date(year(discovered_date), 12, 31) + $hhs_annual_days
            END,
            hold_until) AS hhs_due
    FROM clocks
),
notices AS (
    SELECT *, 'individuals' AS kind, individuals_due AS due_date, individuals_sent AS sent_date
    FROM due
    UNION ALL
    SELECT *, 'media', media_due, media_sent FROM due WHERE largest_state > $media_more_than
    UNION ALL
    SELECT *, 'hhs', hhs_due, hhs_sent FROM due
    UNION ALL
    SELECT *, 'ca_ag', individuals_due + $ag_days, ca_ag_sent
    FROM due WHERE computerized AND ca_residents > $ag_more_than
    UNION ALL
    SELECT *, 'cdph', cdph_due, cdph_sent FROM due WHERE $cdph_applies
)
SELECT incident_id, category, location, description, discovered_date, occurred_date,
    assessed_date, determination, computerized, individuals, ca_residents, largest_state,
    hold_until, ca_rule, individuals_sent, kind, due_date, sent_date
FROM notices
