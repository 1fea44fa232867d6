-- Rows of uploads swept before $1: no attach still in flight can have checked their objects.
DELETE FROM media.uploads WHERE state = 'swept' AND swept_at < $1
