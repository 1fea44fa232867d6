-- $1 lifts its block of $2.
DELETE FROM graph.blocks WHERE blocker_id = $1 AND blocked_id = $2
