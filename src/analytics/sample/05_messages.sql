-- Every text, e-mail and call: marketing campaigns (some sent after an opt-out or without
-- consent), service messages, inbound replies with keywords in mixed case, HELP replies
-- and opt-out confirmations.
CREATE TEMP TABLE campaigns AS
SELECT 'CMP-' || strftime(m, '%Y-%m') || '-' || upper(ch) AS campaign_id, ch AS channel,
    loc(m::DATE + (CASE WHEN ch = 'sms' THEN 9 ELSE 2 END)
        + floor(u(epoch(m)::BIGINT, ch) * 4)::INTEGER + INTERVAL 11 HOUR) AS send_at
FROM range(TIMESTAMP '2025-01-01', TIMESTAMP '2026-11-01', INTERVAL 1 MONTH) t(m),
    (VALUES ('sms'), ('email')) c(ch)
UNION ALL
-- a second SMS campaign each month, late in the month (health-system profile)
SELECT 'CMP-' || strftime(m, '%Y-%m') || '-SMS2', 'sms',
    loc(m::DATE + 23 + floor(u(epoch(m)::BIGINT, 'sms2') * 4)::INTEGER + INTERVAL 11 HOUR)
FROM range(TIMESTAMP '2025-01-01', TIMESTAMP '2026-11-01', INTERVAL 1 MONTH) t(m)
WHERE (SELECT sms_campaigns FROM cfg) > 1
UNION ALL
-- an evening flash sale at 8:45 p.m. Pacific: in time in Los Angeles, too late in New York
SELECT 'CMP-2026-10-SMS-EVE', 'sms', loc(TIMESTAMP '2026-10-16 20:45:00');

-- What the clinic's messaging system believed at send time: consent honoured only once
-- processed. Planted: a stale list in 2026-06 and an imported list in 2025-11.
CREATE TEMP TABLE g_marketing AS
WITH sms_state AS (
    SELECT p.i, p.patient_id, p.first_visit, p.sms_marketing, s.stop_at, s.delay, s.missed,
        s.reopt_day
    FROM patients p LEFT JOIN sms_stops s USING (i)
), sms_targets AS (
    SELECT c.campaign_id, c.channel, c.send_at, st.i, st.patient_id
    FROM campaigns c, sms_state st
    WHERE c.channel = 'sms' AND st.sms_marketing
      AND loc(st.first_visit + INTERVAL 9 HOUR) < c.send_at
      AND (
        st.stop_at IS NULL OR st.missed OR st.delay IS NULL
        OR st.stop_at + st.delay > c.send_at
        OR (st.reopt_day IS NOT NULL AND loc(st.reopt_day + INTERVAL 13 HOUR) <= c.send_at)
        OR (c.campaign_id = 'CMP-2026-06-SMS' AND u(st.i, 'stale') < 0.25)
      )
    UNION ALL
    SELECT c.campaign_id, c.channel, c.send_at, p.i, p.patient_id
    FROM campaigns c, patients p
    WHERE c.campaign_id = 'CMP-2025-11-SMS' AND NOT p.sms_marketing
      AND p.first_visit < DATE '2025-11-01' AND u(p.i, 'import') < 0.004
), email_targets AS (
    SELECT c.campaign_id, c.channel, c.send_at, p.i, p.patient_id
    FROM campaigns c JOIN patients p ON p.email_marketing
    LEFT JOIN email_stops e USING (i)
    WHERE c.channel = 'email' AND loc(p.first_visit + INTERVAL 10 HOUR) < c.send_at
      AND (e.stop_at IS NULL OR e.stop_at + e.delay > c.send_at)
      AND u(p.i * 1000 + month(c.send_at), 'eskip') < 0.8
)
SELECT patient_id, channel, 'outbound' AS direction, 'marketing' AS purpose, NULL AS body,
    campaign_id, send_at + to_seconds(i % 900) AS sent_at
FROM (SELECT * FROM sms_targets UNION ALL SELECT * FROM email_targets)
UNION ALL
-- a burst: three follow-ups to a few patients on the day of October's campaign, the
-- fourth text in 24 hours
SELECT patient_id, channel, 'outbound', 'marketing', NULL, campaign_id || '-FOLLOWUP',
    send_at + to_seconds(i % 900) + k * INTERVAL 2 HOUR
FROM sms_targets, range(1, 4) r(k)
WHERE campaign_id = 'CMP-2026-10-SMS' AND u(i, 'burst') < 0.003;

CREATE TEMP TABLE g_messages_unnumbered AS
SELECT * FROM g_marketing
UNION ALL
-- appointment reminders, the day before each visit in the window
SELECT v.patient_id, CASE WHEN p.svc_sms AND (s.stop_at IS NULL OR s.missed
        OR s.stop_at > loc(v.visit_date - 1 + INTERVAL 10 HOUR)) THEN 'sms' ELSE 'phone' END,
    'outbound', 'service', NULL, NULL,
    loc(v.visit_date - 1 + INTERVAL 10 HOUR + to_seconds(v.i % 1800))
FROM visits v JOIN patients p USING (i) LEFT JOIN sms_stops s USING (i)
WHERE v.visit_date BETWEEN DATE '2025-01-02' AND DATE '2026-11-01'
UNION ALL
-- keyword replies (STOP and friends)
SELECT patient_id, 'sms', 'inbound', NULL, body, NULL, stop_at FROM sms_stops
UNION ALL
-- opt-out confirmations: the platform's, within a minute of the STOP (a few slow, up to
-- 40 minutes), and a second one two hours later for a few
SELECT s.patient_id, 'sms', 'outbound', 'optout_confirmation', NULL, NULL,
    s.stop_at + CASE WHEN u(s.i, 'slowconf') < 0.03
            THEN to_seconds(floor(360 + u(s.i, 'slowc') * 2040)::BIGINT)
            ELSE to_seconds(floor(15 + u(s.i, 'conft') * 45)::BIGINT) END
        + (k * INTERVAL 2 HOUR)
FROM sms_stops s, range(0, 2) r(k)
WHERE NOT s.missed AND s.delay IS NOT NULL AND (k = 0 OR s.extra_confirmation)
UNION ALL
-- replies that revoke consent in other words
SELECT patient_id, 'sms', 'inbound', NULL, body, NULL, sent_at FROM revocations
UNION ALL
-- HELP requests, their replies (late or missing for a few) and other replies
SELECT patient_id, 'sms', 'inbound', NULL, help_body, NULL, help_at FROM (
    SELECT patient_id, i,
        pick(i, 'hb', ['HELP', 'help', 'Help?', 'help me please', 'Help - what is this number?',
            'HELP ME']) AS help_body,
        loc(DATE '2025-01-01' + floor(u(i, 'hd') * 668)::INTEGER + INTERVAL 9 HOUR
            + to_seconds(floor(u(i, 'ht') * 40000)::BIGINT)) AS help_at
    FROM patients WHERE svc_sms AND u(i, 'help') < 0.05
)
UNION ALL
SELECT patient_id, 'sms', 'outbound', 'help_reply', NULL, NULL,
    loc(DATE '2025-01-01' + floor(u(i, 'hd') * 668)::INTEGER + INTERVAL 9 HOUR
        + to_seconds(floor(u(i, 'ht') * 40000)::BIGINT))
    + CASE WHEN u(i, 'hlate') < 0.06
            THEN INTERVAL 61 MINUTE + to_seconds(floor(u(i, 'hl') * 9000)::BIGINT)
           ELSE to_seconds(floor(30 + u(i, 'hr') * 1500)::BIGINT) END
FROM patients WHERE svc_sms AND u(i, 'help') < 0.05 AND u(i, 'hmiss') >= 0.08
UNION ALL
SELECT patient_id, 'sms', 'inbound', NULL,
    pick(i, 'ob', ['Thanks!', 'See you then', 'Can I reschedule to Friday?',
        'Is the stopwatch I left in the lobby there?', 'Helpful, thanks!', 'don''t text me',
        'Yes', 'Confirmed', '<b>Running late</b>', '<script>alert(1)</script>',
        'The weekend works', 'Who is this?', 'Altogether a lovely visit, thank you']),
    NULL,
    loc(DATE '2025-01-01' + floor(u(i, 'od') * 668)::INTEGER + INTERVAL 10 HOUR
        + to_seconds(floor(u(i, 'ot') * 30000)::BIGINT))
FROM patients WHERE u(i, 'other') < 0.12;

CREATE TEMP TABLE g_messages AS
SELECT CASE WHEN s.i IS NOT NULL THEN 'M-IN-STOP-' || pad(s.i::VARCHAR, 6, '0')
        WHEN v.i IS NOT NULL THEN 'M-IN-REV-' || pad(v.i::VARCHAR, 6, '0')
        ELSE 'M' || pad(row_number() OVER (ORDER BY g.sent_at, g.patient_id, g.channel,
            g.direction, g.purpose, g.campaign_id)::VARCHAR, 8, '0') END AS message_id,
    g.patient_id, g.channel, g.direction, g.purpose, g.body, g.campaign_id, g.sent_at
FROM g_messages_unnumbered g
LEFT JOIN sms_stops s ON g.direction = 'inbound' AND s.patient_id = g.patient_id
    AND s.stop_at = g.sent_at AND s.body = g.body
LEFT JOIN revocations v ON g.direction = 'inbound' AND v.patient_id = g.patient_id
    AND v.sent_at = g.sent_at AND v.body = g.body
ORDER BY g.sent_at, g.patient_id, g.channel, g.direction, g.purpose;
