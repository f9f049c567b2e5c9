-- Each vendor's BAA as instants in the clinic's zone $tz: in effect from the start of
-- its first day until the start of `baa_ended_on` (the first day without).
SELECT vendor_id, timezone($tz, baa_signed_on::TIMESTAMP) AS baa_from,
    timezone($tz, baa_ended_on::TIMESTAMP) AS baa_until
FROM vendors
