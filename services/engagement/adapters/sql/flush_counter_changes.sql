-- The flush, in one statement and so in one transaction: take up to $1 pending changes (oldest first; rows another
-- flusher holds are skipped), delete them and add their sums to post_counters. Returns the counters it changed and,
-- on each row, the oldest change taken (for the flush lag).
WITH taken AS (
    DELETE FROM engagement.counter_changes
    WHERE id IN (
        SELECT id FROM engagement.counter_changes
        ORDER BY id
        LIMIT $1
        FOR UPDATE SKIP LOCKED
    )
    RETURNING post_id, likes, comments, shares, changed_at
),
sums AS (
    SELECT post_id, sum(likes) AS likes, sum(comments) AS comments, sum(shares) AS shares
    FROM taken
    GROUP BY post_id
)
INSERT INTO engagement.post_counters AS c (post_id, likes, comments, shares, updated_at)
SELECT post_id, likes, comments, shares, now() FROM sums
ON CONFLICT (post_id) DO UPDATE
SET likes = c.likes + excluded.likes,
    comments = c.comments + excluded.comments,
    shares = c.shares + excluded.shares,
    updated_at = now()
RETURNING c.post_id, (SELECT min(changed_at) FROM taken) AS oldest_change
