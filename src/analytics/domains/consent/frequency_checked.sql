-- Each marketing message of the months computed with how many marketing messages that
-- patient got on that channel in the 24 hours ending at it: sent_at in (its sent_at - 24
-- h, its sent_at], itself and any sent at the same instant included. The window reaches
-- back into the day before the first month; exactly 24 hours before is outside it.
WITH marketing AS (
    SELECT message.message_id, message.patient_id, message.channel, message.campaign_id,
        message.sent_at
    FROM consent_messages message, consent_month
    WHERE message.direction = 'outbound' AND message.purpose = 'marketing'
      AND message.sent_at > start_ts - INTERVAL 24 HOUR AND message.sent_at < end_ts
),
counted AS (
    SELECT marketing.*,
        count(*) OVER (
            PARTITION BY patient_id, channel ORDER BY sent_at
            RANGE BETWEEN INTERVAL 24 HOUR - INTERVAL 1 MICROSECOND PRECEDING AND CURRENT ROW
        ) AS sent_in_24h
    FROM marketing
)
SELECT counted.* FROM counted, consent_month WHERE counted.sent_at >= start_ts
