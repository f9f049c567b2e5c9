-- Macros every block uses: a deterministic random number per key and salt, picking from a list, local time, padding that never truncates.
CREATE TEMP MACRO u(k, salt) AS
    (hash(k, salt, (SELECT seed FROM cfg)) % 1000000007)::DOUBLE / 1000000007.0;
CREATE TEMP MACRO pick(k, salt, xs) AS xs[1 + floor(u(k, salt) * len(xs))::INTEGER];
CREATE TEMP MACRO loc(ts) AS timezone((SELECT tz FROM cfg), ts);
-- lpad that never truncates: ids grow a digit rather than collide in a large export
CREATE TEMP MACRO pad(x, w, c) AS lpad(x, greatest(w, length(x))::INTEGER, c);
