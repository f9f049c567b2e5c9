-- Per period of `periods`: restrictions requested, agreed and denied (decided in the
-- period), self-pay restrictions denied, and restrictions in effect at the last instant
-- of the as-of date (decided before the day ends, not ended by then).
SELECT p.period,
    count(r.restriction_id) FILTER (r.requested_at >= p.start_ts AND r.requested_at < p.end_ts)
        AS requested,
    count(r.restriction_id) FILTER (r.decided_at >= p.start_ts AND r.decided_at < p.end_ts
                                    AND r.decision = 'agreed') AS agreed,
    count(r.restriction_id) FILTER (r.decided_at >= p.start_ts AND r.decided_at < p.end_ts
                                    AND r.decision = 'denied') AS denied,
    count(r.restriction_id) FILTER (r.decided_at >= p.start_ts AND r.decided_at < p.end_ts
                                    AND r.decision = 'denied' AND r.self_pay) AS self_pay_denied,
    count(r.restriction_id) FILTER (r.decision = 'agreed' AND r.decided_at < p.end_ts
                                    AND (r.ended_at IS NULL OR r.ended_at >= p.end_ts))
        AS in_effect
FROM periods p LEFT JOIN restrictions r ON true
GROUP BY p.period ORDER BY p.period
