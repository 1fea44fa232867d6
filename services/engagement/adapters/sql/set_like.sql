-- A like ($1 true) or unlike, its +1/-1 and its event when it changed a like that counts, under the row's lock ($2)
-- for the transaction, with the call's order among the row's changes: engagement.set_like,
-- schema/postgres/0044_engagement_set_like.sql. One row back: changed, hidden, change_order.
SELECT changed, hidden, change_order FROM engagement.set_like($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)
