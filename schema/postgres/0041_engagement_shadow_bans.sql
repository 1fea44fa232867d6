-- Shadow bans (services/engagement/domain/shadow_bans.py): one row per user ever banned, holding the latest ban.
-- Lifting a ban keeps the row (lifted_at set): a lifted user may still have hidden engagement from the ban, which
-- their own reads keep adding to what they see. Banning again replaces the row. Redis caches each user's state
-- (services/engagement/adapters/redis_ban_cache.py); this is the record it is filled from.
CREATE SCHEMA IF NOT EXISTS engagement;

CREATE TABLE IF NOT EXISTS engagement.shadow_bans (
    user_id   bigint      PRIMARY KEY,
    reason    text        NOT NULL,
    banned_by text        NOT NULL,
    banned_at timestamptz NOT NULL DEFAULT now(),
    lifted_at timestamptz,
    lifted_by text        NOT NULL DEFAULT ''
);
-- ListShadowBans: the bans in force, newest first.
CREATE INDEX IF NOT EXISTS shadow_bans_active ON engagement.shadow_bans (banned_at DESC, user_id DESC)
    WHERE lifted_at IS NULL;
