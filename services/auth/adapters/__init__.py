"""Auth's adapters: PostgreSQL, argon2 password hashing, the JWT key ring on disk."""
