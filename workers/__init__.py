"""RQ workers: thin, importable jobs that take ids (never phone numbers or bodies)."""
