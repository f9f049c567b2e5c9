-- One row per date from $first to $last: whether it is a business day (Monday to Friday,
-- not in `holiday`), and bd_seq, the count of business days up to and including it, so
-- that "the N-th business day after D" is the business day whose bd_seq is D's plus N.
WITH days AS (
    SELECT d::DATE AS day FROM range($first::DATE, $last::DATE + 1, INTERVAL 1 DAY) t(d)
),
flagged AS (
    SELECT day, isodow(day) <= 5 AND day NOT IN (SELECT day FROM holiday) AS is_business_day
    FROM days
)
SELECT day, is_business_day,
    sum(CASE WHEN is_business_day THEN 1 ELSE 0 END) OVER (ORDER BY day)::INTEGER AS bd_seq
FROM flagged ORDER BY day
