-- The uploads whose objects the sweep deleted ($1: refs) at $2 (the sweep's clock, which the prune of swept rows uses).
UPDATE media.uploads SET state = 'swept', swept_at = $2 WHERE ref = ANY($1::text[]) AND state = 'sweeping'
