"""The package as an operator installs it: a wheel with the templates, in a fresh virtual environment.

The slow test builds the wheel (`pip wheel`), installs it into a new venv (no system site
packages, dependencies from the index or pip's cache) and runs archiver from there, outside
this checkout: init, demo, templates check, generate skp --pdf, verify.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from conftest import require_program

from archiver.documents.templates import KINDS
from archiver.skp.demo import KADIS

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
#: Declared but never imported, on purpose (each line in pyproject.toml says why).
INDIRECT = {"cryptography", "python-multipart"}


def _requirement_name(req: str) -> str:
    return re.split(r"[\s<>=!\[;~]", req, maxsplit=1)[0]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_dependency_has_a_reason() -> None:
    text = PYPROJECT.read_text(encoding="utf-8")
    project = tomllib.loads(text)["project"]
    reqs = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    assert len(reqs) > 20
    lines = {r: [ln for ln in text.splitlines() if ln.strip().startswith(f'"{r}"')] for r in reqs}
    missing = [r for r, found in lines.items() if len(found) != 1 or not re.search(r"#\s*\S", found[0])]
    assert missing == [], f"dependencies without a one-line reason: {missing}"


def test_every_runtime_dependency_is_used() -> None:
    requirements = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    declared = {_canonical(_requirement_name(r)) for r in requirements}
    assert "itsdangerous" not in declared
    imported: set[str] = set()
    for path in (ROOT / "archiver").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    dists = packages_distributions()
    used = {_canonical(d) for module in imported for d in dists.get(module, ())}
    unused = declared - used - {_canonical(n) for n in INDIRECT}
    assert unused == set(), f"declared in pyproject.toml but imported nowhere in archiver/: {sorted(unused)}"


def _run(cmd: list[str], cwd: Path, timeout: float = 600, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert res.returncode == 0, f"{' '.join(cmd)} exited {res.returncode}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_generates_and_verifies(tmp_path: Path) -> None:
    require_program("soffice")
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist), str(ROOT)], cwd=tmp_path)
    [wheel] = dist.glob("archiver-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (n for names_ in KINDS.values() for n in names_):
        assert f"archiver/documents/shipped_templates/{template}.docx" in names
    assert "archiver/migrations/env.py" in names and "archiver/web/templates/base.html" in names
    assert {f"archiver/locale/id/LC_MESSAGES/{part}.mo" for part in ("core", "cli", "click", "web")} <= names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    bin_dir = env_dir / "bin"
    _run([str(bin_dir / "python"), "-m", "pip", "install", "--progress-bar", "off", str(wheel)], cwd=tmp_path,
         timeout=1200)

    # Outside the checkout, with only the venv's archiver on PATH for it.
    work = tmp_path / "office"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ARCHIVER_CONFIG", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    where = _run([str(bin_dir / "python"), "-c", "import archiver; print(archiver.__file__)"], cwd=work, env=env)
    assert Path(where.stdout.strip()).is_relative_to(env_dir), where.stdout
    archiver = str(bin_dir / "archiver")

    _run([archiver, "init", "kantor"], cwd=work, env=env)
    assert (work / "kantor" / "watch_config.toml").is_file()
    assert "Penggunaan:" in _run([archiver, "--help"], cwd=work, env=env).stdout  # the catalog ships
    demo = _run([archiver, "demo", "demo", "--tahun", "2026"], cwd=work, env=env)
    assert "SKP diimpor" in demo.stdout
    cfg = ["--config", str(work / "demo" / "watch_config.toml")]
    check = _run([archiver, *cfg, "templates", "check"], cwd=work, env=env)
    assert "shipped_templates" in _run([archiver, *cfg, "templates", "list"], cwd=work, env=env).stdout, check.stdout
    _run([archiver, *cfg, "--quiet", "generate", "skp", "--nip", KADIS, "--tahun", "2026", "--pdf",
          "-o", str(work / "out")], cwd=work, env=env)
    pdf = work / "out" / f"skp_{KADIS}_2026_TAHUNAN.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    _run([archiver, *cfg, "verify"], cwd=work, env=env)
    proved = _run([archiver, *cfg, "generated", str(pdf)], cwd=work, env=env)
    assert "skp_kuantitatif" in proved.stdout or "skp_jpt" in proved.stdout
