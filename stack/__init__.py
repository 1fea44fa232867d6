"""feedmesh's local data tier: settings, readiness probes and schema application (see stack/README.md)."""
