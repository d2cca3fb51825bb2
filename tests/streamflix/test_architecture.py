"""The pure core really is pure: every module in the import-linter contract imports in a fresh
interpreter with no Django settings, and leaves Django unimported."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

PYPROJECT = settings.BASE_DIR / "pyproject.toml"
CONTRACTS = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
PURE = next(c for c in CONTRACTS if c["name"].startswith("The pure core"))["source_modules"]

CHECK = """
import importlib, pkgutil, sys
root = importlib.import_module(sys.argv[1])
names = [sys.argv[1]]
if hasattr(root, "__path__"):
    names += [m.name for m in pkgutil.walk_packages(root.__path__, prefix=sys.argv[1] + ".")]
for name in names:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in {"django", "rest_framework", "celery"})
assert not leaked, f"{sys.argv[1]} imported {leaked[:5]}"
print(len(names))
"""


def _import_alone(module: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-c", CHECK, module],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def imports() -> dict[str, subprocess.CompletedProcess]:
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return dict(zip(PURE, pool.map(_import_alone, PURE), strict=True))


@pytest.mark.parametrize("module", PURE)
def test_a_pure_module_imports_without_django(imports, module):
    result = imports[module]
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip()) >= 1
