-- Rows that break the contract (PLANTED_BAD_ROWS), added after the clean rows.
INSERT INTO g_consent SELECT * FROM g_consent WHERE event_id = 'CE0000100';
INSERT INTO g_consent SELECT 'CE-BAD-0001', patient_id, 'fax', purpose, action, method,
    occurred_at, processed_at, NULL FROM g_consent WHERE event_id = 'CE0000200';
INSERT INTO g_messages SELECT message_id, patient_id, channel, direction, purpose, body,
    campaign_id, sent_at + INTERVAL 1 MINUTE FROM g_messages WHERE message_id = 'M00000300';
INSERT INTO g_messages SELECT 'M-BAD-0001', patient_id, 'sms', 'outbound', NULL, NULL, NULL,
    sent_at FROM g_messages WHERE message_id = 'M00000400';
INSERT INTO g_requests SELECT 'R9001-001', patient_id, regime, request_type, channel,
    received_at, NULL, NULL, NULL, NULL, received_at - INTERVAL 2 DAY, 'fulfilled', NULL
    FROM g_requests WHERE closed_at IS NOT NULL LIMIT 1;
INSERT INTO g_requests SELECT 'R9001-002', patient_id, regime, request_type, channel,
    received_at, NULL, NULL, NULL, NULL, received_at + INTERVAL 5 DAY, NULL, NULL
    FROM g_requests WHERE closed_at IS NOT NULL LIMIT 1;
INSERT INTO g_disclosures SELECT 'D-BAD-0001', NULL, disclosed_at, recipient_name,
    recipient_address, recipient_type, purpose, data_categories, description, NULL, vendor_id
    FROM g_disclosures WHERE disclosure_id = 'D000010';
INSERT INTO g_disclosures SELECT 'D-BAD-0002', patient_id, disclosed_at, recipient_name,
    recipient_address, recipient_type, purpose, 'phi,ssn', description, NULL, vendor_id
    FROM g_disclosures WHERE disclosure_id = 'D000011';
INSERT INTO g_records SELECT 'REC-BAD-0001', patient_id, record_class, created_at,
    last_activity_at, birth_date, false, created_at - INTERVAL 30 DAY
    FROM g_records WHERE record_class = 'billing' LIMIT 1;
-- an authorization ending the day before the local date it was signed (bad_order; a
-- disclosure citing it then cites one not on file), and one allowing a purpose that is
-- not a code (unknown_code)
INSERT INTO g_authorizations SELECT 'A-BAD-0001', patient_id, signed_at, regime, purposes,
    recipient_type, recipient_name, data_categories,
    timezone((SELECT tz FROM cfg), signed_at)::DATE - 1, states_remuneration, NULL
    FROM g_authorizations WHERE authorization_id = 'AS0002';
INSERT INTO g_authorizations SELECT 'A-BAD-0002', patient_id, signed_at, regime,
    'marketing, telemarketing', recipient_type, recipient_name, data_categories, expires_on,
    states_remuneration, NULL
    FROM g_authorizations WHERE authorization_id = 'AS0004';
