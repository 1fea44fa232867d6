-- The auth service's accounts. Handles are stored lower-case, so the unique constraint on `handle` makes them
-- unique case-insensitively; CreateUser maps a violation of users_handle_key to ALREADY_EXISTS (also when two
-- registrations of one handle race). Passwords are stored only as argon2id hashes (PHC strings).
CREATE SCHEMA IF NOT EXISTS auth;

CREATE TABLE auth.users (
    id            bigint PRIMARY KEY,               -- 64-bit time-ordered id (services.common.ids)
    handle        text NOT NULL,
    password_hash text NOT NULL,
    display_name  text NOT NULL DEFAULT '',
    private       boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_handle_key UNIQUE (handle),
    CONSTRAINT users_handle_format CHECK ((handle COLLATE "C") ~ '^[a-z0-9_]{3,30}$'),
    CONSTRAINT users_display_name_length CHECK (char_length(display_name) <= 64)
);
