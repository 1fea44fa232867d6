-- Takes the like back and, if there was one that counted, records its -1 and its event, under the row's lock ($1) for
-- the transaction, with the order of the call among the row's changes: engagement.unlike_in_order,
-- schema/postgres/0044_engagement_like_order.sql. Not changed when there was no like.
SELECT changed, hidden, change_order FROM engagement.unlike_in_order($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
