-- The sweep's next batch: uploads pending since before $1, oldest first, and those a sweep left half done; marked
-- sweeping in the same statement, so that an attach from now on refuses them. $2: the batch size.
UPDATE media.uploads
SET state = 'sweeping'
WHERE ref IN (
    SELECT ref FROM media.uploads
    WHERE (state = 'pending' AND created_at < $1) OR state = 'sweeping'
    ORDER BY created_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
RETURNING ref
