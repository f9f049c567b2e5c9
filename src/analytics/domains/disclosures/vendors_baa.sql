-- Each vendor's BAA dates and its disclosures this month (with and without a BAA).
SELECT vendor.vendor_id, vendor.name, vendor.baa_signed_on, vendor.baa_ended_on,
    count(checked.disclosure_id) AS disclosures_this_month,
    count(checked.disclosure_id) FILTER (checked.ba_without_baa) AS without_baa
FROM vendors vendor
LEFT JOIN (SELECT * FROM disclosure_checks WHERE in_months(disclosed_at)) checked
    ON checked.vendor_id = vendor.vendor_id
GROUP BY ALL ORDER BY vendor.vendor_id
