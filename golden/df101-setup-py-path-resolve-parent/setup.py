from pathlib import Path

from setuptools import find_packages, setup

here = Path(__file__).resolve().parent

setup(name="app", version="1.0", packages=find_packages(),
      long_description=(here / "README.md").read_text(encoding="utf-8"))
