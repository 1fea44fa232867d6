-- The like and, if new and not hidden, its +1 and its event, under the row's lock ($1) for the transaction, with the
-- order of the call among the row's changes: engagement.like_in_order, schema/postgres/0044_engagement_like_order.sql.
SELECT changed, hidden, change_order FROM engagement.like_in_order($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)
