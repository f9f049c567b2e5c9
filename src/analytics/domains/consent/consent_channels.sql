-- The segments of consent figures: every channel seen in consent changes or messages,
-- and 'all'.
SELECT DISTINCT channel FROM consent_events
UNION SELECT DISTINCT channel FROM messages
UNION SELECT 'all'
