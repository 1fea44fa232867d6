-- Idempotency keys are kept for a retention period, then pruned oldest first (services/common/idempotency_pruning.py).
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON engagement.idempotency_keys (created_at);
