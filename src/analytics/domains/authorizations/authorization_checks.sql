-- Every authorization in use (a quarantined row takes part in nothing), with its local
-- dates, its lists, its end date (for `mhmda` the earlier of `expires_on` and the
-- anniversary: the local date signed plus $mhmda_years years, 29 February giving 28
-- February) and the first defect it has, in the spec's order.
WITH a AS (
    SELECT *, timezone($tz, signed_at)::DATE AS signed_date,
        timezone($tz, revoked_at)::DATE AS revoked_date,
        coalesce(string_split(purposes, ','), []::VARCHAR[]) AS purpose_list,
        coalesce(string_split(data_categories, ','), []::VARCHAR[]) AS category_list,
        (timezone($tz, signed_at)::DATE + to_years($mhmda_years))::DATE AS anniversary
    FROM authorizations
)
SELECT authorization_id, patient_id, signed_at, signed_date, regime, purposes, purpose_list,
    recipient_type, recipient_name, data_categories, category_list, expires_on,
    states_remuneration, revoked_at, revoked_date, anniversary,
    CASE WHEN regime = 'mhmda' THEN least(expires_on, anniversary) ELSE expires_on END
        AS ends_on,
    CASE WHEN len(purpose_list) = 0 THEN 'no_purpose'
         WHEN recipient_type IS NULL AND recipient_name IS NULL THEN 'no_recipient'
         WHEN len(category_list) = 0 THEN 'no_information'
         WHEN expires_on IS NULL THEN 'no_end_date'
         WHEN list_contains(purpose_list, 'sale') AND NOT states_remuneration
             THEN 'remuneration_not_stated'
         WHEN regime = 'mhmda' AND expires_on > anniversary THEN 'over_one_year'
    END AS defect
FROM a
