"""The conda route (environment.yml) and the pip route (pyproject.toml) list
the same dependencies with the same lower bounds."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge spells a few packages differently from PyPI.
CONDA_NAMES = {"netcdf4": "netCDF4"}


def _parse(spec: str) -> tuple[str, str]:
    name, bound = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", spec.strip()).groups()
    return CONDA_NAMES.get(name.lower(), name).lower(), bound.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = project["dependencies"] + project["optional-dependencies"]["test"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_deps = [
        d
        for d in env["dependencies"]
        if isinstance(d, str) and not d.startswith(("python=", "pip"))
    ]
    assert dict(map(_parse, conda_deps)) == dict(map(_parse, pip_deps))
