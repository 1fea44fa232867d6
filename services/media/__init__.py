"""The media service: presigned uploads into the object store and existence checks (feedmesh.media.v1)."""
