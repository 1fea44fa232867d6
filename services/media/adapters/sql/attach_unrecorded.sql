-- Attaches uploads with no row ($1: refs), handed out before uploads were recorded: never swept, so their object,
-- checked before, is still there. A ref with a row (swept or being swept) is left out.
INSERT INTO media.uploads (ref, state, attached_at)
SELECT ref, 'attached', now() FROM unnest($1::text[]) AS ref
ON CONFLICT (ref) DO NOTHING
RETURNING ref
