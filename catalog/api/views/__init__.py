"""API views: read views (read side and cache only) apart from command views (the write side)."""
