"""A deterministic, realistic sample export, generated set-wise in DuckDB.

The sample reads like a real clinic's logs for 2025-01 to 2026-10: seasonal request
volumes, every request type, extensions (some notified too late), denials, opt-outs by
keyword in mixed case, a slow-processing month, marketing sent after opt-out and without
consent, minors' records, legal holds, overdue and premature destruction, disclosures of
every purpose, a handful of privacy incidents with their breach notices (``_INCIDENTS``)
and a handful of rows that break the contract (see ``PLANTED_BAD_ROWS``).

Randomness comes from ``hash(key, salt, seed)``, so the same seed gives the same rows
whatever the thread count, and no Python loop runs per row.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import duckdb

from analytics.contract import TABLES
from analytics.errors import UsageError
from analytics.loading.manifest import MANIFEST_FILE
from analytics.sql import cap_memory, ident, literal

WINDOW_START = "2025-01-01"
WINDOW_END = "2026-10-31"
# when the sample says it was extracted (its export-manifest.json): the morning of 6
# November, after the last access-log rows, so October is covered and November is not
EXTRACTED_AT = "2026-11-06T16:00:00Z"
WRITTEN_BY = "analytics sample"  # in its manifest: `sample --out` may replace such a folder

# Rows that break the contract on purpose, by table and reason: the quarantine must
# show exactly these.
PLANTED_BAD_ROWS: dict[tuple[str, str], int] = {
    ("consent_events", "duplicate_row"): 1,
    ("consent_events", "unknown_code"): 1,
    ("messages", "conflicting_id"): 2,
    ("messages", "missing_required"): 1,
    ("requests", "bad_order"): 1,
    ("requests", "inconsistent_state"): 1,
    ("disclosures", "missing_required"): 1,
    ("disclosures", "unknown_code"): 1,
    ("records", "bad_order"): 1,
    ("patients", "unknown_code"): 1,
}

_CFG = """
CREATE TEMP TABLE cfg AS SELECT ?::UBIGINT AS seed, ?::INTEGER AS n_patients, ?::VARCHAR AS tz,
    ?::INTEGER AS sms_campaigns, ?::DOUBLE AS requests_per_3000, ?::DOUBLE AS disclosure_rate,
    ?::BOOLEAN AS encounter_records
"""

_SETUP = """
CREATE TEMP MACRO u(k, salt) AS
    (hash(k, salt, (SELECT seed FROM cfg)) % 1000000007)::DOUBLE / 1000000007.0;
CREATE TEMP MACRO pick(k, salt, xs) AS xs[1 + floor(u(k, salt) * len(xs))::INTEGER];
CREATE TEMP MACRO loc(ts) AS timezone((SELECT tz FROM cfg), ts);
-- lpad that never truncates: ids grow a digit rather than collide in a large export
CREATE TEMP MACRO pad(x, w, c) AS lpad(x, greatest(w, length(x))::INTEGER, c);
"""

_PATIENTS = """
CREATE TEMP TABLE patients AS
WITH base AS (
    SELECT i, 'P' || pad(i::VARCHAR, 6, '0') AS patient_id,
        u(i, 'hist') < 0.45 AS historic
    FROM range(1, (SELECT n_patients FROM cfg) + 1) t(i)
), fv AS (
    SELECT *,
        CASE WHEN historic
            THEN DATE '2012-01-01' + floor(u(i, 'fv') * 4747)::INTEGER
            ELSE DATE '2025-01-01' + floor(sqrt(u(i, 'fv')) * 658)::INTEGER END AS first_visit,
        30 + floor(u(i, 'gap') * 90)::INTEGER AS gap_days,
        CASE WHEN u(i, 'churn') < 0.5 THEN floor(u(i, 'life') * 1800)::INTEGER ELSE 99999 END
            AS lifetime_days
    FROM base
)
SELECT *,
    least(first_visit + lifetime_days, DATE '2026-10-31') AS active_until,
    CASE WHEN u(i, 'minor') < 0.03
        THEN first_visit - (15 * 365 + floor(u(i, 'age') * 1000))::INTEGER
        ELSE first_visit - (18 * 365 + floor(u(i, 'age') * 52 * 365))::INTEGER END AS birth_date,
    u(i, 'svc') < 0.90 AS svc_sms,
    u(i, 'smsm') < 0.55 AS sms_marketing,
    u(i, 'emm') < 0.45 AS email_marketing,
    u(i, 'all') < 0.10 AS consent_all
FROM fv;

CREATE TEMP TABLE visits AS
SELECT p.i, p.patient_id, k,
    p.first_visit + k * p.gap_days + floor(u(p.i * 100 + k, 'vj') * 10)::INTEGER AS visit_date
FROM patients p, (SELECT range::INTEGER AS k FROM range(0, 60)) r
WHERE p.first_visit + k * p.gap_days <= p.active_until;

CREATE TEMP TABLE last_visits AS
SELECT i, max(visit_date) AS last_visit FROM visits GROUP BY i;

-- Where patients are: most in California, some snowbirds in New York, Texas and Florida,
-- a few in Hawaii and Arizona; for some the zone is not known (the clinic's is used).
-- Planted: a zone name spelt in lower case, a state in lower case, and one misspelt zone.
CREATE TEMP TABLE patient_places AS
WITH placed AS (SELECT i, patient_id, u(i, 'place') AS x FROM patients)
SELECT patient_id,
    CASE WHEN x < 0.030 THEN 'NY'
         WHEN x < 0.045 THEN CASE WHEN u(i, 'scase') < 0.3 THEN 'tx' ELSE 'TX' END
         WHEN x < 0.048 THEN 'HI' WHEN x < 0.050 THEN 'AZ' WHEN x < 0.053 THEN 'FL'
         ELSE 'CA' END AS state,
    CASE WHEN i = 7 THEN 'America/Los_Angles'
         WHEN x < 0.030 THEN CASE WHEN u(i, 'zcase') < 0.2 THEN 'america/new_york'
                                  ELSE 'America/New_York' END
         WHEN x < 0.045 THEN 'America/Chicago'
         WHEN x < 0.048 THEN 'Pacific/Honolulu'
         WHEN x < 0.050 THEN 'America/Phoenix'
         WHEN x < 0.053 THEN 'America/New_York'
         WHEN x < 0.100 THEN NULL
         ELSE 'America/Los_Angeles' END AS time_zone
FROM placed;
"""

# Opt-outs and their life cycle, one row per patient that withdrew on SMS or e-mail.
_STOPS = """
CREATE TEMP TABLE sms_stops AS
WITH s AS (
    SELECT p.*, greatest(p.first_visit, DATE '2025-01-01') AS earliest
    FROM patients p WHERE sms_marketing AND u(i, 'stop') < 0.14
), t AS (
    SELECT *,
        earliest + floor(u(i, 'stopday') * (DATE '2026-10-28' - earliest))::INTEGER AS stop_day
    FROM s WHERE earliest < DATE '2026-10-28'
)
SELECT i, patient_id,
    loc(stop_day + INTERVAL 8 HOUR + to_seconds(floor(u(i, 'stopt') * 50000)::BIGINT)) AS stop_at,
    pick(i, 'stopbody', ['STOP', 'Stop', 'stop please', 'UNSUBSCRIBE', 'Stop all', ' STOP ',
        'opt out', 'optout', 'Cancel', 'quit', 'STOP!!', 'Please stop texting me', 'End',
        'stop.', 'Revoke']) AS body,
    u(i, 'missed') < 0.03 AS missed,
    CASE
        WHEN u(i, 'never') < 0.015 THEN NULL
        WHEN strftime(stop_day, '%Y-%m') = '2026-03'
            THEN to_seconds(floor(3600 * (6 + 66 * u(i, 'slow')))::BIGINT)
        ELSE to_seconds(floor(60 + 14400 * pow(u(i, 'delay'), 5))::BIGINT)
    END AS delay,
    u(i, 'extra_conf') < 0.04 AS extra_confirmation,
    CASE WHEN u(i, 'reopt') < 0.12
        THEN stop_day + 30 + floor(u(i, 'reoptd') * 170)::INTEGER END AS reopt_day
FROM t;

CREATE TEMP TABLE email_stops AS
WITH s AS (
    SELECT p.*, greatest(p.first_visit, DATE '2025-01-01') AS earliest
    FROM patients p WHERE email_marketing AND u(i, 'estop') < 0.10
)
SELECT i, patient_id,
    loc(earliest + floor(u(i, 'estopday') * (DATE '2026-10-28' - earliest))::INTEGER
        + INTERVAL 7 HOUR + to_seconds(floor(u(i, 'estopt') * 60000)::BIGINT)) AS stop_at,
    to_seconds(floor(60 + 7200 * u(i, 'edelay'))::BIGINT) AS delay
FROM s WHERE earliest < DATE '2026-10-28';

-- Replies that revoke consent in other words (Spanish and English), from patients who get
-- only service texts; the officer reviewed about half (an opt-out names the reply).
CREATE TEMP TABLE revocations AS
WITH r AS (
    SELECT p.*, greatest(p.first_visit, DATE '2025-01-01') AS earliest
    FROM patients p WHERE svc_sms AND NOT sms_marketing AND u(i, 'revoke') < 0.03
)
SELECT i, patient_id,
    loc(earliest + floor(u(i, 'revday') * (DATE '2026-10-31' - earliest))::INTEGER
        + INTERVAL 10 HOUR + to_seconds(floor(u(i, 'revt') * 30000)::BIGINT)) AS sent_at,
    pick(i, 'revbody', ['No más mensajes por favor', 'NO MAS', 'Alto', 'Baja',
        'Ya no quiero recibir mensajes', 'Cancelar por favor', 'Please remove me from your list',
        'No more texts please', 'Leave me alone', 'Do not text this number']) AS body,
    u(i, 'revreviewed') < 0.5 AS reviewed,
    to_seconds(floor(3600 + u(i, 'revlag') * 68400)::BIGINT) AS delay
FROM r WHERE earliest < DATE '2026-10-31';
"""

_CONSENT = """
CREATE TEMP TABLE g_consent AS
WITH ev AS (
    SELECT patient_id, 'sms' AS channel, 'service' AS purpose, 'opt_in' AS action,
        'in_person' AS method, loc(first_visit + INTERVAL 9 HOUR
            + to_seconds(floor(u(i, 'c1') * 3600)::BIGINT)) AS occurred_at,
        INTERVAL 3 MINUTE AS delay, NULL AS source_message_id, 1 AS seq
    FROM patients WHERE svc_sms
    UNION ALL
    SELECT patient_id, 'sms', CASE WHEN consent_all THEN 'all' ELSE 'marketing' END, 'opt_in',
        pick(i, 'm2', ['web_form', 'in_person', 'written']),
        loc(first_visit + INTERVAL 9 HOUR + to_seconds(floor(3700 + u(i, 'c2') * 3600)::BIGINT)),
        INTERVAL 4 MINUTE, NULL, 2
    FROM patients WHERE sms_marketing
    UNION ALL
    SELECT patient_id, 'email', 'marketing', 'opt_in', 'web_form',
        loc(first_visit + INTERVAL 9 HOUR + to_seconds(floor(7400 + u(i, 'c3') * 3600)::BIGINT)),
        INTERVAL 2 MINUTE, NULL, 3
    FROM patients WHERE email_marketing
    UNION ALL
    SELECT patient_id, 'sms', 'all', 'opt_out', 'sms_keyword', stop_at + INTERVAL 2 SECOND,
        delay, 'M-IN-STOP-' || pad(i::VARCHAR, 6, '0'), 4
    FROM sms_stops WHERE NOT missed
    UNION ALL
    SELECT patient_id, 'sms', 'marketing', 'opt_in', 'web_form',
        loc(reopt_day + INTERVAL 12 HOUR), INTERVAL 5 MINUTE, NULL, 5
    FROM sms_stops WHERE reopt_day IS NOT NULL AND reopt_day <= DATE '2026-10-31'
        AND NOT missed
    UNION ALL
    SELECT patient_id, 'email', 'marketing', 'opt_out', 'email_link', stop_at, delay, NULL, 6
    FROM email_stops
    UNION ALL
    SELECT patient_id, 'sms', 'marketing', 'opt_out', 'written', sent_at, delay,
        'M-IN-REV-' || pad(i::VARCHAR, 6, '0'), 7
    FROM revocations WHERE reviewed
)
SELECT 'CE' || pad(row_number() OVER (ORDER BY occurred_at, patient_id, seq)::VARCHAR, 7, '0')
        AS event_id,
    patient_id, channel, purpose, action, method, occurred_at,
    occurred_at + delay AS processed_at, source_message_id
FROM ev
ORDER BY occurred_at, patient_id, seq;
"""

_MESSAGES = """
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
"""

_REQUESTS = """
CREATE TEMP TABLE g_requests AS
WITH months AS (
    -- about 11 requests a month per 3,000 patients, more in winter
    SELECT m, round((SELECT requests_per_3000 FROM cfg) * (SELECT n_patients FROM cfg) / 3000.0
                    * (1 + 0.35 * cos(2 * pi() * (month(m) - 1) / 12)))::INTEGER AS n
    FROM range(DATE '2025-01-01', DATE '2026-11-01', INTERVAL 1 MONTH) t(m)
), raw AS (
    SELECT m::DATE AS m, k, (year(m) * 100 + month(m))::BIGINT * 1000000 + k AS key
    FROM months, range(0, (SELECT max(n) FROM months)) r(k) WHERE k < n
), typed AS (
    SELECT *,
        pick(key, 'type', ['access', 'access', 'access', 'access', 'access', 'access',
            'marketing_opt_out', 'marketing_opt_out', 'marketing_opt_out', 'know', 'know',
            'delete', 'delete', 'amend', 'accounting', 'restriction', 'confidential_comms',
            'correct', 'opt_out_sale_share', 'limit_sensitive']) AS request_type,
        m + floor(u(key, 'day') * (last_day(m) - m + 1))::INTEGER AS rday
    FROM raw
), r AS (
    SELECT *,
        CASE WHEN request_type IN ('access', 'amend', 'accounting', 'restriction',
                'confidential_comms') THEN 'hipaa'
             WHEN request_type = 'marketing_opt_out'
                THEN CASE WHEN u(key, 'reg') < 0.5 THEN 'hipaa' ELSE 'ccpa' END
             ELSE 'ccpa' END AS regime,
        CASE request_type WHEN 'access' THEN 15 WHEN 'amend' THEN 60 WHEN 'accounting' THEN 60
            WHEN 'restriction' THEN 30 WHEN 'confidential_comms' THEN 30
            WHEN 'opt_out_sale_share' THEN 21 WHEN 'limit_sensitive' THEN 21
            WHEN 'marketing_opt_out' THEN 14 ELSE 45 END AS nominal_days,
        request_type IN ('amend', 'accounting', 'know', 'delete', 'correct') AS extendable,
        -- late evening arrivals land in the next UTC day (and month, at month end)
        loc(rday + CASE WHEN u(key, 'eve') < 0.15 THEN INTERVAL 22 HOUR
            ELSE INTERVAL 8 HOUR END + to_seconds(floor(u(key, 't') * 7000)::BIGINT))
            AS received_at
    FROM typed
), shaped AS (
    SELECT *,
        u(key, 'late') < 0.12 AS late,
        extendable AND u(key, 'ext') < 0.25 AS extended,
        extendable AND u(key, 'ext') < 0.25 AND u(key, 'extlate') < 0.3 AS extension_late,
        u(key, 'open') < 0.03 AS stuck_open,
        pick(key, 'outcome', ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled',
            'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled',
            'partial', 'denied', 'denied', 'withdrawn']) AS outcome0
    FROM r
), timed AS (
    SELECT *,
        CASE
            WHEN extended THEN nominal_days + floor(u(key, 'xd') * nominal_days * 0.9)::INTEGER
            WHEN late THEN nominal_days + 1 + floor(u(key, 'ld') * 20)::INTEGER
            ELSE 1 + floor(pow(u(key, 'd'), 0.7) * (nominal_days - 3))::INTEGER
        END AS close_days,
        CASE WHEN extension_late THEN nominal_days + 1 + floor(u(key, 'xl') * 3)::INTEGER
             ELSE floor(nominal_days * (0.5 + 0.4 * u(key, 'xw')))::INTEGER END AS ext_days
    FROM shaped
)
SELECT 'R' || strftime(m, '%y%m') || '-' || pad(k::VARCHAR, 3, '0') AS request_id,
    CASE WHEN u(key, 'unmatched') < 0.05 THEN NULL
         ELSE 'P' || pad((1 + floor(u(key, 'pat') * (SELECT n_patients FROM cfg)))
            ::INTEGER::VARCHAR, 6, '0') END AS patient_id,
    regime, request_type,
    pick(key, 'ch', ['web', 'web', 'email', 'email', 'phone', 'mail', 'in_person']) AS channel,
    received_at,
    CASE WHEN u(key, 'ack') < 0.9
        THEN received_at + to_seconds(floor(3600 * 24 * (pow(u(key, 'ackd'), 3) * 14))::BIGINT)
        END AS acknowledged_at,
    CASE WHEN u(key, 'ver') < 0.92
        THEN received_at + to_seconds(floor(3600 * 24 * (u(key, 'verd') * 5))::BIGINT)
        END AS verified_at,
    CASE WHEN extended THEN received_at + to_days(ext_days) END AS extended_at,
    CASE WHEN extended THEN pick(key, 'xr', ['records held off-site', 'complex request',
        'volume of records', 'identity verification pending']) END AS extension_reason,
    CASE WHEN NOT stuck_open
            AND received_at + to_days(close_days) <= loc(TIMESTAMP '2026-10-31 17:00')
        THEN received_at + to_days(close_days) + to_seconds(floor(u(key, 'ct') * 20000)::BIGINT)
        END AS closed_at,
    outcome0, key
FROM timed;

CREATE OR REPLACE TEMP TABLE g_requests AS
SELECT request_id, patient_id, regime, request_type, channel, received_at, acknowledged_at,
    verified_at, extended_at, extension_reason, closed_at,
    CASE WHEN closed_at IS NULL THEN NULL
         WHEN patient_id IS NULL THEN 'denied'
         ELSE outcome0 END AS outcome,
    CASE WHEN closed_at IS NULL THEN NULL
         WHEN patient_id IS NULL THEN 'unverified'
         WHEN outcome0 = 'denied' THEN
            CASE WHEN regime = 'ccpa' AND u(key, 'dr') < 0.6 THEN 'exempt_phi'
                 WHEN request_type = 'delete' THEN 'retention_required'
                 ELSE pick(key, 'dr2', ['unverified', 'not_found', 'other']) END
         END AS denial_reason
FROM g_requests
ORDER BY received_at, request_id;
"""

_DISCLOSURES = """
CREATE TEMP TABLE g_vendors AS
SELECT * FROM (VALUES
    ('V001', 'Secure EHR Cloud Inc.', DATE '2019-03-01', NULL::DATE),
    ('V002', 'Valley Medical Billing LLC', DATE '2020-01-15', DATE '2025-10-01'),
    ('V003', 'QuickText SMS Gateway', NULL::DATE, NULL::DATE),
    ('V004', 'ShredRight Document Destruction', DATE '2021-06-01', NULL::DATE),
    ('V005', 'After Hours Answering Service', DATE '2026-02-01', NULL::DATE)
) v(vendor_id, name, baa_signed_on, baa_ended_on);

CREATE TEMP TABLE g_disclosures AS
WITH d AS (
    SELECT k,
        pick(k, 'p', ['treatment', 'treatment', 'treatment', 'treatment', 'treatment',
            'treatment', 'treatment', 'payment', 'payment', 'payment', 'payment', 'operations',
            'operations', 'operations', 'operations', 'operations', 'required_by_law',
            'public_health', 'health_oversight', 'judicial', 'law_enforcement', 'research',
            'marketing', 'limited_data_set', 'facility_directory', 'incidental', 'other',
            'patient_copy', 'patient_copy']) AS p0,
        -- routine disclosures spread evenly; the others cluster on fewer patients, as
        -- subpoenas, reports and research enrolments do
        'P' || pad((1 + floor(u(k, 'pat') * (SELECT n_patients FROM cfg)
            / CASE WHEN u(k, 'p') < 0.55 THEN 1 ELSE 10 END))::INTEGER::VARCHAR, 6, '0')
            AS patient_id,
        loc(DATE '2025-01-01' + floor(u(k, 'day') * 669)::INTEGER + INTERVAL 8 HOUR
            + to_seconds(floor(u(k, 't') * 36000)::BIGINT)) AS disclosed_at
    FROM range(1, 1 + floor((SELECT n_patients * disclosure_rate FROM cfg))::BIGINT) r(k)
), r AS (
    SELECT *,
        CASE p0 WHEN 'patient_copy' THEN 'other' ELSE p0 END AS purpose,
        CASE p0
            WHEN 'treatment' THEN 'healthcare_provider' WHEN 'payment' THEN 'health_plan'
            WHEN 'operations' THEN 'business_associate' WHEN 'required_by_law' THEN 'government'
            WHEN 'public_health' THEN 'government' WHEN 'health_oversight' THEN 'government'
            WHEN 'judicial' THEN 'court' WHEN 'law_enforcement' THEN 'law_enforcement'
            WHEN 'research' THEN 'researcher' WHEN 'marketing' THEN 'marketing_partner'
            WHEN 'limited_data_set' THEN 'researcher' WHEN 'patient_copy' THEN 'patient'
            ELSE 'other' END AS recipient_type,
        pick(k, 'v', ['V001', 'V001', 'V002', 'V002', 'V003', 'V004', 'V005']) AS vendor
    FROM d
)
SELECT 'D' || pad(k::VARCHAR, 6, '0') AS disclosure_id, patient_id, disclosed_at,
    CASE recipient_type
        WHEN 'healthcare_provider' THEN pick(k, 'hp', ['Northridge Dermatology Group',
            'Valley Plastic Surgery', 'Dr. A. Rivera, MD'])
        WHEN 'health_plan' THEN pick(k, 'pl', ['Blue Shield of California', 'Anthem Blue Cross',
            'Aetna'])
        WHEN 'business_associate' THEN (SELECT name FROM g_vendors WHERE vendor_id = vendor)
        WHEN 'government' THEN pick(k, 'gv', ['LA County Dept. of Public Health',
            'Medical Board of California', 'CDPH'])
        WHEN 'court' THEN 'LA Superior Court'
        WHEN 'law_enforcement' THEN 'LAPD Devonshire Division'
        WHEN 'researcher' THEN 'UCLA Dermatology Research'
        WHEN 'marketing_partner' THEN 'Glow Promotions LLC'
        WHEN 'patient' THEN 'The patient'
        ELSE 'Patient''s attorney' END AS recipient_name,
    CASE WHEN u(k, 'addr') < 0.7 THEN pick(k, 'ad', ['Los Angeles, CA', 'Northridge, CA',
        'Sacramento, CA', 'Encino, CA']) END AS recipient_address,
    recipient_type, purpose,
    CASE
        WHEN purpose = 'marketing' THEN 'contact,sms_phone'
        WHEN purpose = 'payment' THEN 'phi,payment,demographic'
        WHEN recipient_type = 'business_associate' AND vendor = 'V003' THEN 'contact,sms_phone'
        ELSE 'phi,demographic' END AS data_categories,
    CASE purpose
        WHEN 'treatment' THEN 'Treatment summary and medication list'
        WHEN 'payment' THEN 'Claim with procedure codes and dates of service'
        WHEN 'operations' THEN 'Records processed by service provider'
        WHEN 'marketing' THEN 'Name and mobile number for promotional texts'
        WHEN 'research' THEN 'Treatment outcomes for study enrolment'
        WHEN 'judicial' THEN 'Records produced under subpoena'
        ELSE 'Copy of medical record' END AS description,
    CASE WHEN purpose IN ('research', 'other') AND u(k, 'auth') < 0.7 THEN 'AUTH-' || k
         WHEN purpose = 'marketing' AND u(k, 'auth') < 0.5 THEN 'AUTH-' || k END
        AS authorization_id,
    CASE WHEN recipient_type = 'business_associate' THEN vendor END AS vendor_id
FROM r
ORDER BY disclosed_at, disclosure_id;
"""

_RECORDS = """
CREATE TEMP TABLE g_records AS
WITH base AS (
    SELECT p.i, p.patient_id, p.first_visit, coalesce(lv.last_visit, p.first_visit) AS last_visit,
        p.birth_date, cls.record_class, cls.n AS cn,
        CASE cls.record_class WHEN 'marketing_profile' THEN 3 WHEN 'consent_proof' THEN 5
            ELSE 7 END AS years
    FROM patients p LEFT JOIN last_visits lv USING (i),
        (VALUES ('medical', 1), ('billing', 2), ('consent_proof', 3), ('marketing_profile', 4))
            cls(record_class, n)
    WHERE cls.record_class IN ('medical', 'billing')
       OR (cls.record_class = 'consent_proof' AND (p.svc_sms OR p.sms_marketing))
       OR (cls.record_class = 'marketing_profile' AND (p.sms_marketing OR p.email_marketing))
), due AS (
    SELECT *,
        CASE WHEN record_class = 'medical'
            THEN greatest(last_visit + to_years(years), birth_date + INTERVAL 19 YEAR)::DATE
            ELSE (last_visit + to_years(years))::DATE END AS dispose_by,
        u(i * 10 + cn, 'hold') < 0.006 AS legal_hold
    FROM base
)
SELECT 'REC' || pad((i * 10 + cn)::VARCHAR, 8, '0') AS record_id, patient_id, record_class,
    loc(first_visit + INTERVAL 9 HOUR) AS created_at,
    loc(last_visit + INTERVAL 17 HOUR) AS last_activity_at,
    CASE WHEN record_class = 'medical' THEN birth_date END AS birth_date,
    legal_hold,
    CASE WHEN NOT legal_hold AND dispose_by + 60 < DATE '2026-10-31'
            AND u(i * 10 + cn, 'disp') < CASE WHEN record_class = 'marketing_profile'
                THEN 0.55 ELSE 0.88 END
        THEN loc(dispose_by + floor(u(i * 10 + cn, 'dd') * 60)::INTEGER + INTERVAL 14 HOUR)
        END AS disposed_at
FROM due
UNION ALL
SELECT 'REC-' || request_id, patient_id, 'request_log', received_at,
    coalesce(closed_at, received_at), NULL, false, NULL
FROM g_requests WHERE patient_id IS NOT NULL
UNION ALL
-- one encounter note per visit (health-system profile), kept like the medical record
SELECT 'ENC' || pad((v.i * 100 + v.k)::VARCHAR, 9, '0'), v.patient_id, 'medical',
    loc(v.visit_date + INTERVAL 10 HOUR), loc(v.visit_date + INTERVAL 16 HOUR), p.birth_date,
    false,
    CASE WHEN (v.visit_date + to_years(7))::DATE + 60 < DATE '2026-10-31'
             AND u(v.i * 100 + v.k, 'encd') < 0.9
         THEN loc((v.visit_date + to_years(7))::DATE + 20 + INTERVAL 14 HOUR) END
FROM visits v JOIN patients p USING (i)
WHERE (SELECT encounter_records FROM cfg) AND v.visit_date <= DATE '2026-10-31'
  AND u(v.i * 100 + v.k, 'enc') < 0.45;

-- one medical record destroyed two years early, one destroyed while on legal hold
UPDATE g_records SET disposed_at = loc(TIMESTAMP '2026-04-20 14:00'),
    last_activity_at = loc(TIMESTAMP '2021-03-15 17:00'),
    created_at = loc(TIMESTAMP '2016-05-02 09:00')
WHERE record_id = (SELECT min(record_id) FROM g_records
    WHERE record_class = 'medical' AND NOT legal_hold AND disposed_at IS NULL
      AND birth_date < DATE '1990-01-01');
UPDATE g_records SET disposed_at = loc(TIMESTAMP '2026-02-10 15:00')
WHERE record_id = (SELECT min(record_id) FROM g_records
    WHERE record_class = 'billing' AND legal_hold AND disposed_at IS NULL
      AND last_activity_at < loc(TIMESTAMP '2018-01-01'));
"""

# What a medical spa of 3,000 patients sees in two years: a lost phone (encrypted: low
# probability), a misdirected e-mail, a good-faith look by a colleague (an exception), a
# curious employee (notified late), a stolen laptop (1,850 patients, most Californians: media,
# HHS at once and the Attorney General), paper thrown out whole, a hacked server under a
# law-enforcement hold, a misdirected fax not yet notified (overdue), and a letter sent to the
# wrong address still unassessed. A health system has one such set per 3,000 patients, each
# copy a few days earlier than the last. No incident row is planted broken: one bad row in
# ten would rightly turn every incident figure into "data problem" (the tests plant them).
_INCIDENTS = """
CREATE TEMP TABLE g_incidents AS
WITH planted(n, disc, occurred, category, location, description, computerized, assessed,
        determination, individuals, ca, largest, hold, ind_at, hhs_at, media_at, ag_at) AS (
    VALUES
    (1, '2025-03-14 10:20', '2025-03-13 19:00', 'lost_device', 'portable_device',
        'Staff phone with appointment texts lost; encrypted and remotely wiped', true,
        '2025-03-19 16:00', 'low_probability', 40, 40, 40, NULL, NULL, NULL, NULL, NULL),
    (2, '2025-06-09 11:05', '2025-06-09 09:40', 'misdirected', 'email',
        'Visit summary e-mailed to another patient of the same name', true,
        '2025-06-12 15:00', 'breach', 1, 1, 1, NULL, '2025-06-20 10:00', '2026-02-20 12:00',
        NULL, NULL),
    (3, '2025-09-22 14:30', '2025-09-22 13:50', 'unauthorized_access', 'ehr',
        'Front-desk colleague opened the wrong chart in good faith and closed it', true,
        '2025-09-24 10:00', 'exception', 1, 1, 1, NULL, NULL, NULL, NULL, NULL),
    (4, '2025-11-03 09:15', '2025-10-20 12:00', 'unauthorized_access', 'ehr',
        'Employee viewed the charts of acquaintances without a work reason', true,
        '2025-11-10 17:00', 'breach', 12, 12, 12, NULL, '2026-01-15 11:00', '2026-02-27 12:00',
        NULL, NULL),
    (5, '2026-02-16 08:45', '2026-02-14 22:00', 'theft', 'laptop',
        'Unencrypted laptop with treatment photos and records stolen from a car', true,
        '2026-02-20 18:00', 'breach', 1850, 1790, 1790, NULL, '2026-03-13 12:00',
        '2026-03-20 12:00', '2026-03-13 15:00', '2026-03-25 12:00'),
    (6, '2026-05-04 16:00', '2026-05-01 18:00', 'improper_disposal', 'paper',
        'Intake forms put in the regular recycling instead of the shredding bin', false,
        '2026-05-08 12:00', 'breach', 25, 25, 25, NULL, '2026-06-01 10:00', NULL, NULL, NULL),
    (7, '2026-08-10 07:30', '2026-08-08 03:00', 'hacking', 'network_server',
        'Ransomware on the imaging server; police asked to delay notice', true,
        '2026-08-20 17:00', 'breach', 320, 300, 300, '2026-11-15', NULL, NULL, NULL, NULL),
    (8, '2026-09-08 13:10', '2026-09-08 11:00', 'misdirected', 'other',
        'Lab results faxed to a wrong number', true,
        '2026-09-15 12:00', 'breach', 3, 3, 3, NULL, NULL, NULL, NULL, NULL),
    (9, '2026-09-28 15:40', NULL, 'misdirected', 'paper',
        'Treatment plan mailed to a former address', false,
        NULL, NULL, 1, 1, 1, NULL, NULL, NULL, NULL, NULL)
),
copies AS (
    SELECT k FROM range(0, greatest(1, (SELECT n_patients FROM cfg) // 3000)) t(k)
)
SELECT 'INC-' || pad(n::VARCHAR, 2, '0') || CASE WHEN k > 0 THEN '-' || k::VARCHAR ELSE '' END
        AS incident_id,
    loc(disc::TIMESTAMP - to_days(3 * k)) AS discovered_at,
    loc(occurred::TIMESTAMP - to_days(3 * k)) AS occurred_at,
    category, location, description, computerized,
    loc(assessed::TIMESTAMP - to_days(3 * k)) AS assessed_at, determination,
    individuals AS individuals_affected, ca AS ca_residents_affected,
    largest AS largest_state_residents, hold::DATE AS law_enforcement_hold_until,
    loc(ind_at::TIMESTAMP - to_days(3 * k)) AS individuals_notified_at,
    loc(hhs_at::TIMESTAMP - to_days(3 * k)) AS hhs_notified_at,
    loc(media_at::TIMESTAMP - to_days(3 * k)) AS media_notified_at,
    loc(ag_at::TIMESTAMP - to_days(3 * k)) AS ag_notified_at,
    NULL::TIMESTAMPTZ AS cdph_notified_at
FROM planted, copies
ORDER BY discovered_at, incident_id;
"""

# The rights the clinic agreed to honour (contract v2). Restrictions: a few patients a year
# keep self-paid care from their health plan or keep everything from marketing partners;
# one self-pay request denied (which the law forbids), one still undecided, one ended, and
# one broken by a later payment claim to the health plan. Preferences: a few patients
# asking not to be mailed or called, one of them called anyway for an appointment.
# Complaints: about 14 per 3,000 patients over the two years, every topic, some through a
# regulator; one resolved after 40 days, one withdrawn, one open past due. Acknowledgments
# of the notice at most first visits (a few refused, a few never obtained).
_RIGHTS = """
CREATE TEMP TABLE g_restrictions AS
WITH chosen AS (
    SELECT p.*, greatest(p.first_visit, DATE '2025-01-01')
            + floor(u(i, 'rq') * 600)::INTEGER AS asked,
        u(i, 'rself') < 0.5 AS self_pay
    FROM patients p
    WHERE u(i, 'restr') < 0.004 AND greatest(p.first_visit, DATE '2025-01-01') < DATE '2026-09-01'
), planned AS (
    SELECT c.*, least(asked, DATE '2026-10-20') AS requested
    FROM chosen c
    -- a self-pay restriction only where no later payment claim would break it by chance
    WHERE NOT (self_pay AND EXISTS (
        SELECT 1 FROM g_disclosures d WHERE d.patient_id = c.patient_id
          AND d.recipient_type = 'health_plan'))
)
SELECT 'RS' || pad(i::VARCHAR, 6, '0') AS restriction_id, patient_id,
    loc(requested + INTERVAL 11 HOUR) AS requested_at,
    'agreed' AS decision,
    loc(requested + 2 + INTERVAL 15 HOUR) AS decided_at,
    CASE WHEN self_pay THEN 'health_plan' ELSE 'marketing_partner' END AS recipient_type,
    CASE WHEN self_pay THEN 'payment' END AS purpose,
    self_pay,
    CASE WHEN u(i, 'rend') < 0.15 AND requested < DATE '2026-03-01'
        THEN loc(requested + 120 + INTERVAL 10 HOUR) END AS ended_at
FROM planned;

-- broken: a restriction agreed 18 days before an existing claim to the patient's health plan
INSERT INTO g_restrictions
SELECT 'RS-BROKEN', patient_id, disclosed_at - INTERVAL 20 DAY, 'agreed',
    disclosed_at - INTERVAL 18 DAY, 'health_plan', 'payment', true, NULL
FROM g_disclosures
WHERE recipient_type = 'health_plan' AND purpose = 'payment'
  AND disclosed_at >= loc(TIMESTAMP '2026-09-01 00:00')
ORDER BY disclosure_id LIMIT 1;
-- denied though self-paid (164.522(a)(1)(vi) requires agreeing), and one still undecided
INSERT INTO g_restrictions
SELECT 'RS-DENIED', patient_id, loc(TIMESTAMP '2026-04-06 10:30'), 'denied',
    loc(TIMESTAMP '2026-04-08 16:00'), 'health_plan', 'payment', true, NULL
FROM patients WHERE i = 17;
INSERT INTO g_restrictions
SELECT 'RS-PENDING', patient_id, loc(TIMESTAMP '2026-10-28 12:00'), NULL, NULL, NULL,
    'research', false, NULL
FROM patients WHERE i = 23;

CREATE TEMP TABLE g_preferences AS
SELECT 'CP' || pad(i::VARCHAR, 6, '0') AS preference_id, patient_id, 'mail' AS channel,
    'avoid' AS rule,
    loc(greatest(first_visit, DATE '2025-01-01') + floor(u(i, 'pf') * 500)::INTEGER
        + INTERVAL 12 HOUR) AS effective_at,
    NULL::TIMESTAMPTZ AS ended_at
FROM patients WHERE u(i, 'pref') < 0.008;
-- broken: "do not call me", then an appointment-reminder call
INSERT INTO g_preferences
SELECT 'CP-BROKEN', patient_id, 'phone', 'avoid', sent_at - INTERVAL 30 DAY, NULL
FROM g_messages
WHERE channel = 'phone' AND direction = 'outbound' AND purpose = 'service'
  AND sent_at >= loc(TIMESTAMP '2026-10-01 00:00')
ORDER BY message_id LIMIT 1;

CREATE TEMP TABLE g_complaints AS
WITH n AS (
    SELECT greatest(1, round(14 * (SELECT n_patients FROM cfg) / 3000.0))::INTEGER AS total
), k AS (
    SELECT k, (SELECT total FROM n) AS total FROM range(0, (SELECT total FROM n)) t(k)
), dated AS (
    SELECT k, total,
        DATE '2025-01-06' + floor(k * 640.0 / total + u(k, 'cd') * 20)::INTEGER AS received,
        pick(k, 'ctopic', ['access', 'marketing', 'sms', 'disclosure', 'security', 'other'])
            AS topic,
        pick(k, 'cch', ['web', 'email', 'phone', 'mail', 'in_person']) AS channel,
        CASE WHEN u(k, 'creg') < 0.12 THEN 'hhs_ocr' WHEN u(k, 'creg') < 0.16 THEN 'ca_ag' END
            AS regulator,
        3 + floor(u(k, 'cdays') * 24)::INTEGER AS days
    FROM k
)
SELECT 'CO' || pad(k::VARCHAR, 5, '0') AS complaint_id,
    CASE WHEN u(k, 'cpat') < 0.9
        THEN 'P' || pad((1 + floor(u(k, 'cp') * (SELECT n_patients FROM cfg)))::BIGINT::VARCHAR,
            6, '0')
        END AS patient_id,
    loc(received + INTERVAL 10 HOUR) AS received_at, channel, topic,
    CASE WHEN k = 3 THEN 'hhs_ocr' ELSE regulator END AS regulator,
    CASE WHEN received + days < DATE '2026-10-25'
        THEN loc(received + CASE WHEN k = 5 THEN 40 ELSE days END + INTERVAL 15 HOUR)
        END AS resolved_at,
    CASE WHEN received + days >= DATE '2026-10-25' THEN NULL
         WHEN k = 7 THEN 'withdrawn'
         WHEN u(k, 'cout') < 0.3 THEN 'upheld' ELSE 'not_upheld' END AS outcome
FROM dated;
-- open past due: a complaint about marketing texts received in September, not answered
INSERT INTO g_complaints VALUES ('CO-OVERDUE', 'P000042', loc(TIMESTAMP '2026-09-10 09:30'),
    'email', 'sms', NULL, NULL, NULL);

CREATE TEMP TABLE g_acknowledgments AS
SELECT 'ACK' || pad(i::VARCHAR, 6, '0') AS acknowledgment_id, patient_id,
    CASE WHEN first_visit < DATE '2025-01-01' THEN '2011-06' ELSE '2025-01' END
        AS notice_version,
    loc(first_visit + INTERVAL 8 HOUR + INTERVAL 45 MINUTE) AS recorded_at,
    CASE WHEN first_visit >= DATE '2025-01-01' AND u(i, 'ack') < 0.015 THEN 'refused'
        ELSE 'signed' END AS status
FROM patients
-- every patient seen before 2025; of the new, 1.5 % refused and 2.5 % never asked
WHERE first_visit < DATE '2025-01-01' OR u(i, 'ack') < 0.015 OR u(i, 'ackx') >= 0.025;
"""

# Safeguards (contract v2): about 25 workforce members per 3,000 patients (clinicians, front
# desk, billing, marketing, admin, IT, contractors), yearly HIPAA privacy and security
# courses (a few lapsed), one encounter per visit, and the EHR's audit trail: the front desk
# opens a record before the visit, the clinician during it, billing days later. Planted: a
# front-desk member who browses records of patients with no visit, a contractor's account
# used after the contractor left, a few evening and Sunday sessions, a clinician who opens
# their own record, and one afternoon of bulk export by an administrator.
_SAFEGUARDS = """
CREATE TEMP TABLE g_workforce AS
WITH m AS (
    SELECT j, greatest(25, round(25 * (SELECT n_patients FROM cfg) / 3000.0))::INTEGER AS total
    FROM range(0, greatest(25, round(25 * (SELECT n_patients FROM cfg) / 3000.0))::INTEGER) t(j)
)
SELECT 'W' || pad(j::VARCHAR, 5, '0') AS member_id,
    CASE WHEN j % 25 < 8 THEN 'clinician' WHEN j % 25 < 13 THEN 'front_desk'
         WHEN j % 25 < 16 THEN 'billing' WHEN j % 25 < 18 THEN 'marketing'
         WHEN j % 25 < 21 THEN 'admin' WHEN j % 25 < 23 THEN 'it' ELSE 'contractor' END
        AS role,
    DATE '2015-01-05' + floor(u(j, 'hire') * 3200)::INTEGER AS hired_on,
    CASE WHEN j = 24 THEN DATE '2026-09-01'  -- the contractor whose account lived on
         WHEN j % 25 >= 16 AND u(j, 'quit') < 0.25
         THEN DATE '2025-03-01' + floor(u(j, 'quitd') * 500)::INTEGER END AS terminated_on,
    CASE WHEN j = 6 THEN 'P000100' END AS patient_id
FROM m;

CREATE TEMP TABLE g_training AS
WITH years AS (
    SELECT w.member_id, w.hired_on, w.terminated_on, k,
        w.hired_on + 7 + k::INTEGER * 365 + floor(u(hash(w.member_id) + k, 'tj') * 20)::INTEGER
            AS done,
        u(hash(w.member_id), 'lapse') < 0.12 AS lapses
    FROM g_workforce w, range(0, 13) t(k)
)
SELECT 'T' || pad(row_number() OVER (ORDER BY member_id, k, course)::VARCHAR, 7, '0')
        AS training_id,
    member_id,
    course,
    done + CASE WHEN course = ' HIPAA_Security ' THEN 2 ELSE 0 END AS completed_on
FROM years, (VALUES ('hipaa_privacy'), (' HIPAA_Security '), ('fire_safety')) c(course)
WHERE done <= least(DATE '2026-10-31', coalesce(terminated_on, DATE '2026-10-31'))
  AND NOT (lapses AND done > DATE '2025-06-30')
  AND (course <> 'fire_safety' OR k % 3 = 0);

CREATE TEMP TABLE g_encounters AS
SELECT 'EN' || pad((v.i * 100 + v.k)::VARCHAR, 9, '0') AS encounter_id, v.patient_id,
    loc((CASE WHEN isodow(v.visit_date) = 7 THEN v.visit_date + 1 ELSE v.visit_date END)
        + INTERVAL 10 HOUR) AS started_at
FROM visits v
WHERE v.visit_date BETWEEN DATE '2024-01-01' AND DATE '2026-10-31';

CREATE TEMP TABLE g_access AS
WITH staff AS (
    SELECT (SELECT count(*) FROM g_workforce) // 25 AS blocks
),
seen AS (
    SELECT e.encounter_id, e.patient_id, e.started_at, hash(e.encounter_id) AS h,
        (SELECT blocks FROM staff) AS blocks
    FROM g_encounters e WHERE e.started_at >= loc(TIMESTAMP '2025-01-01 00:00')
),
routine AS (
    -- the front desk checks the patient in, the clinician sees them, billing follows up
    SELECT encounter_id || '-F' AS access_id,
        'W' || pad((25 * floor(u(h, 'fb') * blocks) + 8 + floor(u(h, 'fr') * 5))::BIGINT::VARCHAR,
            5, '0') AS member_id,
        patient_id, started_at - INTERVAL 12 MINUTE AS accessed_at, 'view' AS action
    FROM seen
    UNION ALL
    SELECT encounter_id || '-C', 'W' || pad((25 * floor(u(h, 'cb') * blocks)
            + floor(u(h, 'cr') * 8))::BIGINT::VARCHAR, 5, '0'),
        patient_id, started_at + INTERVAL 5 MINUTE, 'view'
    FROM seen
    UNION ALL
    SELECT encounter_id || '-E', 'W' || pad((25 * floor(u(h, 'cb') * blocks)
            + floor(u(h, 'cr') * 8))::BIGINT::VARCHAR, 5, '0'),
        patient_id,
        -- a few notes finished in the evening
        CASE WHEN u(h, 'late') < 0.006 THEN started_at + INTERVAL 10 HOUR + INTERVAL 35 MINUTE
             ELSE started_at + INTERVAL 40 MINUTE END,
        'edit'
    FROM seen
    UNION ALL
    SELECT encounter_id || '-B', 'W' || pad((25 * floor(u(h, 'bb') * blocks) + 13
            + floor(u(h, 'br') * 3))::BIGINT::VARCHAR, 5, '0'),
        patient_id,
        started_at + to_days(2 + floor(u(h, 'bd') * 4)::INTEGER) + INTERVAL 4 HOUR, 'view'
    FROM seen WHERE u(h, 'bill') < 0.6
)
SELECT * FROM routine
-- billing follow-ups that fall on a Sunday move to Monday
WHERE NOT (access_id LIKE '%-B' AND isodow(timezone((SELECT tz FROM cfg), accessed_at)) = 7)
UNION ALL
SELECT access_id || '-M', member_id, patient_id, accessed_at + INTERVAL 1 DAY, action
FROM routine
WHERE access_id LIKE '%-B' AND isodow(timezone((SELECT tz FROM cfg), accessed_at)) = 7;

-- a front-desk member browsing records of patients not seen for a year or more
INSERT INTO g_access
SELECT 'AC-BROWSE-' || row_number() OVER (ORDER BY p.i), 'W00009', p.patient_id,
    loc(DATE '2026-10-05' + (row_number() OVER (ORDER BY p.i))::INTEGER % 18
        + INTERVAL 12 HOUR + to_minutes(row_number() OVER (ORDER BY p.i))), 'view'
FROM patients p JOIN last_visits lv USING (i)
WHERE lv.last_visit < DATE '2025-06-01' AND u(p.i, 'browse') < 0.02
QUALIFY row_number() OVER (ORDER BY p.i) <= 12;
-- the contractor left on 2026-09-01; the account kept opening records in October
INSERT INTO g_access
SELECT 'AC-GONE-' || k, 'W00024', 'P' || pad((200 + k * 37)::VARCHAR, 6, '0'),
    loc(DATE '2026-10-06' + k::INTEGER * 3 + INTERVAL 11 HOUR), 'export'
FROM range(1, 6) t(k);
-- a Sunday session, and a clinician opening their own record
INSERT INTO g_access VALUES
    ('AC-SUNDAY-1', 'W00001', 'P000101', loc(TIMESTAMP '2026-10-18 15:20'), 'view'),
    ('AC-SUNDAY-2', 'W00001', 'P000102', loc(TIMESTAMP '2026-10-18 15:42'), 'edit'),
    ('AC-SELF-1', 'W00006', 'P000100', loc(TIMESTAMP '2026-10-12 11:05'), 'view');
-- an administrator's afternoon export of 80 patients
INSERT INTO g_access
SELECT 'AC-BULK-' || k, 'W00019', 'P' || pad((1000 + k)::VARCHAR, 6, '0'),
    loc(TIMESTAMP '2026-10-14 13:00' + to_minutes(k)), 'export'
FROM range(1, 81) t(k);
"""

# Rows that break the contract (PLANTED_BAD_ROWS), added after the clean rows.
_BAD_ROWS = """
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
"""

_SOURCES = {
    "consent_events": "g_consent",
    "messages": "g_messages",
    "requests": "g_requests",
    "disclosures": "g_disclosures",
    "vendors": "g_vendors",
    "records": "g_records",
    "incidents": "g_incidents",
    "restrictions": "g_restrictions",
    "communication_preferences": "g_preferences",
    "complaints": "g_complaints",
    "notice_acknowledgments": "g_acknowledgments",
    "workforce": "g_workforce",
    "training": "g_training",
    "access_log": "g_access",
    "encounters": "g_encounters",
    "patients": "patient_places",
}


# Per-patient volumes: a medical spa (the shipped sample), or a health system, whose
# patients get more texts, requests, disclosures and encounter notes.
PROFILES: dict[str, dict] = {
    "clinic": {
        "sms_campaigns": 1,
        "requests_per_3000": 11.0,
        "disclosure_rate": 2 / 3,
        "encounter_records": False,
    },
    "health-system": {
        "sms_campaigns": 2,
        "requests_per_3000": 14.0,
        "disclosure_rate": 5.0,
        "encounter_records": True,
    },
}


def generate_sample(
    out: str | Path,
    *,
    patients: int = 3000,
    seed: int = 20261026,
    timezone: str = "America/Los_Angeles",
    fmt: str = "parquet",
    profile: str = "clinic",
    memory_limit: str | None = None,
    force: bool = False,
) -> Path:
    """Write a sample export as a DuckDB ``EXPORT DATABASE`` directory at ``out``.

    The directory is built beside ``out`` and moved into place at the end, so a failed
    generation never leaves half an export. ``memory_limit`` (e.g. ``"6GB"``) caps
    DuckDB's memory: what does not fit is spilled to the system's temporary folder, so a
    health system of ten million patients is generated on a machine with less memory
    than its tables. A folder at ``out`` that holds anything but an earlier sample is
    refused unless ``force``: it is replaced whole.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder for the sample export")
    if not force and not _replaceable(out):
        raise UsageError(
            f"--out {out} holds files that are not a sample this command wrote: they would "
            "be deleted. Choose a new or empty folder, or pass --force to replace it"
        )
    if patients < 50:
        raise UsageError("the sample needs at least 50 patients")
    if profile not in PROFILES:
        raise UsageError(f"profile {profile!r} is not one of {', '.join(PROFILES)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".sample-", dir=out.parent))
    try:
        target = _generate(tmp, patients, seed, timezone, fmt, profile, memory_limit)
        _relative_load_sql(target)
        _write_manifest(target)
        if out.exists():
            shutil.rmtree(out)
        target.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _generate(
    tmp: Path,
    patients: int,
    seed: int,
    timezone: str,
    fmt: str,
    profile: str,
    memory_limit: str | None,
) -> Path:
    """Generate the export into ``tmp/export``. With a memory limit the generator's tables
    live in a database file in ``tmp`` (compressed on disk, read back as needed) rather
    than in memory, and the export's tables in a second one."""
    on_disk = memory_limit is not None
    con = duckdb.connect(str(tmp / "generate.duckdb") if on_disk else ":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        _quiet(con)
        cap_memory(con, memory_limit)
        if memory_limit:
            con.execute("SET preserve_insertion_order = false")  # far less to hold at once
        volumes = PROFILES[profile]
        con.execute(
            _CFG,
            [
                seed,
                patients,
                timezone,
                volumes["sms_campaigns"],
                volumes["requests_per_3000"],
                volumes["disclosure_rate"],
                volumes["encounter_records"],
            ],
        )
        for block in (
            _SETUP,
            _PATIENTS,
            _STOPS,
            _CONSENT,
            _MESSAGES,
            _REQUESTS,
            _DISCLOSURES,
            _RECORDS,
            _INCIDENTS,
            _RIGHTS,
            _SAFEGUARDS,
            _BAD_ROWS,
        ):
            con.execute(block.replace("TEMP TABLE", "TABLE") if on_disk else block)
        # the export's tables in a database of their own: the generator's table of
        # patients shares a name with the contract's
        if on_disk:
            con.execute("ATTACH ? AS export", [str(tmp / "export.duckdb")])
        catalog = "export" if on_disk else "memory"
        for table in TABLES:
            cols = ", ".join(f"{ident(c.name)} {c.type}" for c in table.columns)
            target_table = f"{catalog}.main.{ident(table.name)}"
            con.execute(f"CREATE TABLE {target_table} ({cols})")
            con.execute(f"INSERT INTO {target_table} SELECT * FROM {_SOURCES[table.name]}")
        target = tmp / "export"
        options = "(FORMAT parquet, COMPRESSION zstd)" if fmt == "parquet" else "(FORMAT csv)"
        con.execute(f"USE {catalog}")
        con.execute(f"EXPORT DATABASE {literal(str(target))} {options}")
    finally:
        con.close()
    return target


def _relative_load_sql(directory: Path) -> None:
    """Make load.sql name its files relative to the export, not this machine's paths."""
    load = directory / "load.sql"
    quoted = str(directory).replace("'", "''") + "/"  # as it stands inside a SQL literal
    text = load.read_text(encoding="utf-8").replace(quoted, "")
    load.write_text(text, encoding="utf-8")


def _replaceable(out: Path) -> bool:
    """Whether the folder ``out`` may be replaced: absent, empty, or a sample written here."""
    if not out.exists():
        return True
    try:
        manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if isinstance(manifest, dict) and manifest.get("written_by") == WRITTEN_BY:
        return True
    return not any(out.iterdir())


def _write_manifest(directory: Path) -> None:
    """Say when the sample was extracted, as a clinic's export system would."""
    text = json.dumps({"extracted_at": EXTRACTED_AT, "written_by": WRITTEN_BY}, indent=2)
    (directory / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")


def _quiet(con: duckdb.DuckDBPyConnection) -> None:
    """No progress bars on a scheduler's log (inside Jupyter, DuckDB refuses the setting)."""
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
