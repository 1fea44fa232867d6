-- A ref handed out by CreateUpload: pending until a post attaches it.
INSERT INTO media.uploads (ref, state) VALUES ($1, 'pending')
