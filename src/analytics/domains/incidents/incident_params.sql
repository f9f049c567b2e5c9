-- The policy's values the view `owed_notices` reads (a view cannot bind parameters): the
-- days the Attorney General's copy follows the individuals' notice ($ag_days).
SELECT $ag_days::INTEGER AS ag_days
