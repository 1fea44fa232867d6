-- Takes the like back and, if there was one that counted, records its -1 and its event, after taking the row's lock
-- ($1, NULL when held): engagement.remove_like, schema/postgres/0044 and 0045. One row back
-- when a like was taken back: changed, hidden.
SELECT changed, hidden FROM engagement.remove_like($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
