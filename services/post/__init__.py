"""The post service: publish, read, delete and list posts (feedmesh.post.v1.PostService)."""
