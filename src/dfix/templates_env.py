"""The jinja2 templates shipped in the package (templates/ in the repository, dfix.templates installed)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any


# In a checkout (and an editable install) the templates are the repository's templates/.
_CHECKOUT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _load(name: str) -> str | None:
    try:
        resource = resources.files("dfix.templates").joinpath(name)  # a built wheel
    except ModuleNotFoundError:
        resource = _CHECKOUT_TEMPLATES / name
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(_load),
        keep_trailing_newline=True,
        autoescape=False,  # Markdown and Dockerfile text, never HTML
        undefined=jinja2.StrictUndefined,
    )


def render(name: str, **values: Any) -> str:
    return _environment().get_template(name).render(**values)
