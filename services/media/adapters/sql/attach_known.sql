-- Attaches uploads handed out by this service ($1: refs). The row lock orders it with the sweep's choice
-- (choose_to_sweep.sql): a row the sweep took is not attached, an attached row is never taken.
UPDATE media.uploads
SET state = 'attached', attached_at = coalesce(attached_at, now())
WHERE ref = ANY($1::text[]) AND state IN ('pending', 'attached')
RETURNING ref
