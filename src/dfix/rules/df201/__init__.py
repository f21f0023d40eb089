"""DF201 (multi-stage split): the rule, its per-stack planners and the facts only it uses."""
