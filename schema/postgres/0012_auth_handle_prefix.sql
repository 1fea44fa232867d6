-- Handle search (GraphService.SearchUsers via AuthInternalService.ListUsersByHandlePrefix): handles by prefix in
-- byte order, whatever the database's collation (services/auth/adapters/sql/users_by_handle_prefix.sql).
CREATE INDEX IF NOT EXISTS users_handle_pattern ON auth.users (handle text_pattern_ops);
