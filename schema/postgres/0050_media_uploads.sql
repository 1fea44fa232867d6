-- The media service's uploads: every ref it handed out, whether a post attached it, and the sweep of the uploads no
-- post attached within the retention (services/media/app/sweep.py, docs/retention.md).
--
-- state: pending (handed out), attached (a post is about to name it or names it: never swept), sweeping (the sweep
-- chose it and is deleting its object), swept (its object is gone; the row stays a day so that an attach that
-- checked the object before the sweep deleted it finds it swept, then goes).
CREATE SCHEMA IF NOT EXISTS media;

CREATE TABLE IF NOT EXISTS media.uploads (
    ref         text        PRIMARY KEY,
    state       text        NOT NULL CHECK (state IN ('pending', 'attached', 'sweeping', 'swept')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    attached_at timestamptz,
    swept_at    timestamptz
);

-- The sweep's scan: uploads still pending, oldest first, and those it left half done.
CREATE INDEX IF NOT EXISTS uploads_unattached ON media.uploads (created_at) WHERE state IN ('pending', 'sweeping');
-- The prune of swept rows.
CREATE INDEX IF NOT EXISTS uploads_swept ON media.uploads (swept_at) WHERE state = 'swept';
