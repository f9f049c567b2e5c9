-- The officer's list: members active on the as-of date of the one month of `periods`
-- with a required course overdue, the course and its due date.
SELECT member_id AS "member", role, course, last_completed AS "last completed",
    due_date AS "due date", (as_of - due_date)::INTEGER AS "days overdue"
FROM training_due
WHERE due_date < as_of
ORDER BY due_date, member_id, course
