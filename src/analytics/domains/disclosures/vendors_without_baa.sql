-- What the month's disclosures to business associates without a BAA come down to: the
-- vendors (organisations, never a patient), each with why no BAA was in effect.
WITH missed AS (
    SELECT checked.vendor_id, coalesce(vendor.name, checked.recipient_name) AS cause,
        vendor.vendor_id IS NULL AS unknown, vendor.baa_signed_on, vendor.baa_ended_on,
        max(checked.disclosed_date) AS last_disclosed, count(*) AS items
    FROM disclosure_checks checked
    LEFT JOIN vendors vendor ON vendor.vendor_id = checked.vendor_id
    WHERE checked.ba_without_baa AND in_months(checked.disclosed_at)
    GROUP BY ALL
)
SELECT cause,
    CASE WHEN unknown THEN 'not in the vendor list'
         WHEN baa_signed_on IS NULL THEN 'no BAA on file'
         WHEN baa_ended_on <= last_disclosed
             THEN 'BAA ended ' || strftime(baa_ended_on, '%Y-%m-%d')
         ELSE 'BAA signed only on ' || strftime(baa_signed_on, '%Y-%m-%d') END AS detail,
    items
FROM missed
ORDER BY items DESC, cause
