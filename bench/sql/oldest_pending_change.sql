-- The age in seconds of the oldest counter change the flush has not added to post_counters yet (0: none pending).
SELECT coalesce(extract(epoch FROM clock_timestamp() - min(changed_at)), 0)::float8 AS age
FROM engagement.counter_changes
