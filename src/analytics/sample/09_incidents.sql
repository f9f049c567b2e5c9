-- What a medical spa of 3,000 patients sees in two years: a lost phone (encrypted: low
-- probability), a misdirected e-mail, a good-faith look by a colleague (an exception), a
-- curious employee (notified late), a stolen laptop (1,850 patients, most Californians: media,
-- HHS at once and the Attorney General), paper thrown out whole, a hacked server under a
-- law-enforcement hold, a misdirected fax not yet notified (overdue), and a letter sent to the
-- wrong address still unassessed. A health system has one such set per 3,000 patients, each
-- copy a few days earlier than the last. No incident row is planted broken: one bad row in
-- ten would rightly turn every incident figure into "data problem" (the tests plant them).
CREATE TEMP TABLE g_incidents AS
WITH planted(n, disc, occurred, category, location, description, computerized, assessed,
        determination, individuals, ca, largest, hold, ind_at, hhs_at, media_at, ag_at) AS (
    VALUES
    (1, '2025-03-14 10:20', '2025-03-13 19:00', 'lost_device', 'portable_device',
        'Staff phone with appointment texts lost; encrypted and remotely wiped', true,
        '2025-03-19 16:00', 'low_probability', 40, 40, 40, NULL, NULL, NULL, NULL, NULL),
    (2, '2025-06-09 11:05', '2025-06-09 09:40', 'misdirected', 'email',
        'Visit summary e-mailed to another patient of the same name', true,
        '2025-06-12 15:00', 'breach', 1, 1, 1, NULL, '2025-06-20 10:00', '2026-02-20 12:00',
        NULL, NULL),
    (3, '2025-09-22 14:30', '2025-09-22 13:50', 'unauthorized_access', 'ehr',
        'Front-desk colleague opened the wrong chart in good faith and closed it', true,
        '2025-09-24 10:00', 'exception', 1, 1, 1, NULL, NULL, NULL, NULL, NULL),
    (4, '2025-11-03 09:15', '2025-10-20 12:00', 'unauthorized_access', 'ehr',
        'Employee viewed the charts of acquaintances without a work reason', true,
        '2025-11-10 17:00', 'breach', 12, 12, 12, NULL, '2026-01-15 11:00', '2026-02-27 12:00',
        NULL, NULL),
    (5, '2026-02-16 08:45', '2026-02-14 22:00', 'theft', 'laptop',
        'Unencrypted laptop with treatment photos and records stolen from a car', true,
        '2026-02-20 18:00', 'breach', 1850, 1790, 1790, NULL, '2026-03-13 12:00',
        '2026-03-20 12:00', '2026-03-13 15:00', '2026-03-25 12:00'),
    (6, '2026-05-04 16:00', '2026-05-01 18:00', 'improper_disposal', 'paper',
        'Intake forms put in the regular recycling instead of the shredding bin', false,
        '2026-05-08 12:00', 'breach', 25, 25, 25, NULL, '2026-06-01 10:00', NULL, NULL, NULL),
    (7, '2026-08-10 07:30', '2026-08-08 03:00', 'hacking', 'network_server',
        'Ransomware on the imaging server; police asked to delay notice', true,
        '2026-08-20 17:00', 'breach', 320, 300, 300, '2026-11-15', NULL, NULL, NULL, NULL),
    (8, '2026-09-08 13:10', '2026-09-08 11:00', 'misdirected', 'other',
        'Lab results faxed to a wrong number', true,
        '2026-09-15 12:00', 'breach', 3, 3, 3, NULL, NULL, NULL, NULL, NULL),
    (9, '2026-09-28 15:40', NULL, 'misdirected', 'paper',
        'Treatment plan mailed to a former address', false,
        NULL, NULL, 1, 1, 1, NULL, NULL, NULL, NULL, NULL)
),
copies AS (
    SELECT k FROM range(0, greatest(1, (SELECT n_patients FROM cfg) // 3000)) t(k)
)
SELECT 'INC-' || pad(n::VARCHAR, 2, '0') || CASE WHEN k > 0 THEN '-' || k::VARCHAR ELSE '' END
        AS incident_id,
    loc(disc::TIMESTAMP - to_days(3 * k)) AS discovered_at,
    loc(occurred::TIMESTAMP - to_days(3 * k)) AS occurred_at,
    category, location, description, computerized,
    loc(assessed::TIMESTAMP - to_days(3 * k)) AS assessed_at, determination,
    individuals AS individuals_affected, ca AS ca_residents_affected,
    largest AS largest_state_residents, hold::DATE AS law_enforcement_hold_until,
    loc(ind_at::TIMESTAMP - to_days(3 * k)) AS individuals_notified_at,
    loc(hhs_at::TIMESTAMP - to_days(3 * k)) AS hhs_notified_at,
    loc(media_at::TIMESTAMP - to_days(3 * k)) AS media_notified_at,
    loc(ag_at::TIMESTAMP - to_days(3 * k)) AS ag_notified_at,
    NULL::TIMESTAMPTZ AS cdph_notified_at
FROM planted, copies
ORDER BY discovered_at, incident_id;
