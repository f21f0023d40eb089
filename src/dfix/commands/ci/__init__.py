"""``dfix ci``: CI workflows that keep BuildKit's caches between runs."""
