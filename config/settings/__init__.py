"""Settings: base (shared), local (dev stack), test, production."""
