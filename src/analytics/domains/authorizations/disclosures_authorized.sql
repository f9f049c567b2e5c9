-- Every disclosure with the authorization it cites checked against it (a view: filter on
-- `disclosed_at`). `authorization_reason` is the first reason, in the spec's order, that
-- it is not validly authorized (NULL: validly authorized, or none cited);
-- `authorization_outside` says what of an `out_of_scope` disclosure the authorization
-- does not cover: its purpose, its recipient, or its information.
WITH joined AS (
    SELECT d.*, params.tz AS _tz, a.authorization_id AS _found, a.patient_id AS _patient,
        a.purpose_list AS _purposes, a.recipient_type AS _recipient_type,
        a.recipient_name AS _recipient_name, a.category_list AS _categories,
        a.regime AS authorization_regime, a.signed_at AS authorization_signed_at,
        a.expires_on AS authorization_expires_on, a.revoked_at AS authorization_revoked_at,
        a.defect AS authorization_defect
    FROM disclosures d
    CROSS JOIN authorization_params params
    LEFT JOIN authorization_checks a ON a.authorization_id = d.authorization_id
),
scoped AS (
    SELECT *,
        CASE WHEN _found IS NULL THEN NULL
             WHEN NOT list_contains(_purposes, purpose) THEN 'purpose'
             -- the recipient's type, or its name (trimmed, ignoring case), where stated
             WHEN _recipient_type IS NOT NULL AND _recipient_type <> recipient_type
                 THEN 'recipient'
             WHEN _recipient_name IS NOT NULL
                  AND lower(_recipient_name) IS DISTINCT FROM lower(recipient_name)
                 THEN 'recipient'
             -- every category disclosed within the authorization's, in any order
             WHEN NOT list_has_all(_categories, list_filter(
                      coalesce(string_split(data_categories, ','), []::VARCHAR[]),
                      lambda c: c <> ''))
                 THEN 'information'
        END AS _outside
    FROM joined
)
SELECT * EXCLUDE (_tz, _found, _patient, _purposes, _recipient_type, _recipient_name,
                  _categories, _outside),
    CASE WHEN authorization_id IS NULL THEN NULL
         WHEN _found IS NULL THEN 'unknown'
         WHEN _patient <> patient_id THEN 'other_patient'
         WHEN disclosed_at < authorization_signed_at THEN 'before_signature'
         WHEN disclosed_at >= authorization_revoked_at THEN 'revoked'
         WHEN timezone(_tz, disclosed_at)::DATE > authorization_expires_on THEN 'expired'
         WHEN _outside IS NOT NULL THEN 'out_of_scope'
         WHEN authorization_defect IS NOT NULL THEN 'defective'
    END AS authorization_reason,
    _outside AS authorization_outside
FROM scoped
