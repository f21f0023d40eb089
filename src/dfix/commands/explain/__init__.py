"""``dfix explain``: the BuildKit cache-key model, git-history replay, build-log timings and their formats."""
