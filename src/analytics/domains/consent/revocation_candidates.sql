-- The inbound SMS of the months computed (`consent_month`) without a withdrawal word
-- that hold a phrase of the policy's $phrases: words are runs of letters and digits
-- after accents are removed and case is ignored (an apostrophe splits them: "don't text
-- me" holds "don't text"), and a phrase matches whole words only. Reviewed: an opt-out
-- names the message as its source.
WITH replies AS (
    SELECT inbound.message_id, inbound.patient_id, inbound.sent_at, inbound.body,
        ' ' || regexp_replace(strip_accents(lower(coalesce(inbound.body, ''))),
                              '[^\pL\pN]+', ' ', 'g') || ' ' AS words
    FROM inbound_sms inbound WHERE inbound.kind <> 'withdrawal'
),
phrases AS (
    SELECT phrase,
        ' ' || trim(regexp_replace(strip_accents(lower(phrase)), '[^\pL\pN]+', ' ', 'g'))
            || ' ' AS words
    FROM unnest($phrases::VARCHAR[]) t(phrase)
),
matched AS (
    SELECT reply.message_id, any_value(reply.patient_id) AS patient_id,
        any_value(reply.sent_at) AS sent_at, any_value(reply.body) AS body,
        string_agg(DISTINCT phrase.phrase, ', ' ORDER BY phrase.phrase) AS phrases
    FROM replies reply JOIN phrases phrase ON contains(reply.words, phrase.words)
    GROUP BY reply.message_id
)
SELECT matched.*,
    EXISTS (SELECT 1 FROM consent_events event
            WHERE event.action = 'opt_out' AND event.source_message_id = matched.message_id)
        AS reviewed
FROM matched
