"""The bot: ``dfix pr`` fixes a repository's Dockerfiles on a branch and opens one pull request.

git.py drives real git; remote.py reads owner/name from a remote URL; body.py renders the
pull request body and commit message; github.py talks to the GitHub REST API (PyGithub);
pr.py puts them together.
"""

from .body import FixItem, SkipItem, commit_message, pr_body
from .git import BotError

__all__ = ["BotError", "FixItem", "SkipItem", "commit_message", "pr_body"]
