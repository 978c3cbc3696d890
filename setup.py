"""Build step that pyproject.toml cannot express: ship the Word templates inside the package.

The templates live at the top of the repository (``templates/*.docx``, where administrators
and ``tools/build_templates.py`` expect them). Building a wheel copies them into
``archiver/documents/shipped_templates/``, where ``archiver.documents.templates`` finds them
in an installed archiver; a checkout uses the top-level folder directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        source = HERE / "templates"
        docx = sorted(source.glob("*.docx"))
        if not docx:
            raise SystemExit(f"no Word templates in {source}: run `python tools/build_templates.py` first")
        target = Path(self.build_lib) / "archiver" / "documents" / "shipped_templates"
        target.mkdir(parents=True, exist_ok=True)
        for p in docx:
            shutil.copyfile(p, target / p.name)


setup(cmdclass={"build_py": BuildPyWithTemplates})
