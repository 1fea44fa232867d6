-- The like and, if new and not hidden, its +1 and its event, after taking the row's lock ($1, NULL when held):
-- engagement.add_like, schema/postgres/0044 and 0045. One row back: changed, hidden.
SELECT changed, hidden FROM engagement.add_like($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)
