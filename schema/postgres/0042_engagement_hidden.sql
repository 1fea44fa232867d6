-- Shadow bans reach the engagement rows (services/engagement/domain/shadow_bans.py): each like, comment and share
-- records whether it was made while its author was shadow-banned. A hidden row counts for nobody but its author: no
-- counter_changes row, no member of the post's cached sets, no event; its author's reads add it back (the partial
-- indexes below find one user's hidden rows; only users ever banned have any).
-- A column with a constant default is added without rewriting the table.
ALTER TABLE engagement.likes ADD COLUMN IF NOT EXISTS hidden boolean NOT NULL DEFAULT false;
ALTER TABLE engagement.comments ADD COLUMN IF NOT EXISTS hidden boolean NOT NULL DEFAULT false;
ALTER TABLE engagement.shares ADD COLUMN IF NOT EXISTS hidden boolean NOT NULL DEFAULT false;

CREATE INDEX IF NOT EXISTS likes_hidden_user ON engagement.likes (user_id, post_id) WHERE hidden;
CREATE INDEX IF NOT EXISTS comments_hidden_author ON engagement.comments (author_id, post_id) WHERE hidden;
CREATE INDEX IF NOT EXISTS shares_hidden_user ON engagement.shares (user_id, post_id) WHERE hidden;
