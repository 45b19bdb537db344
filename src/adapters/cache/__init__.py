"""Cache adapters: none (always a miss), memory (bounded LRU + TTL), redis (shared, guarded)."""
