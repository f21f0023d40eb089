"""DF301 (.dockerignore entries): the rule, its candidate lists and per-stack entries."""
