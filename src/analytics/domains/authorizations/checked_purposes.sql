-- The purposes of the disclosures that cite an authorization (any month): the segments of
-- `authorizations.disclosures_checked`, as a segment is one that occurs in the data.
SELECT DISTINCT purpose FROM disclosures WHERE authorization_id IS NOT NULL
