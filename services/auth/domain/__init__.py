"""Auth's domain: the rules for accounts, access-token claims and the signing-key ring. No I/O here."""
