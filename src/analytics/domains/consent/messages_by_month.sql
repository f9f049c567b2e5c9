-- The export's messages per period of `periods`: how a back-fill sizes its passes.
SELECT month_of(sent_at) AS period, count(*) AS messages
FROM messages WHERE in_months(sent_at) GROUP BY ALL
