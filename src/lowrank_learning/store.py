"""NetCDF data contracts: provenance, atomic writes, validated reads.

Every stage writes one file per experiment through ``write_dataset``, which
adds provenance attributes (package version, git commit, config digest,
creation time) and writes to a temporary file in the destination folder
before renaming it into place, so an interrupted or failed stage never
leaves a half-written output. ``read_dataset`` checks that the variables a
consumer needs are there and says which stage to rerun when they are not.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__


def config_digest(cfg) -> str:
    """sha256 of a config fragment in canonical JSON (sorted keys)."""
    text = json.dumps(cfg, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def git_commit() -> str:
    """Commit of the checkout this package was imported from, or 'unknown'."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(cfg=None, **extra) -> dict:
    """Attributes every output carries."""
    attrs = {
        "package": "lowrank_learning",
        "package_version": __version__,
        "git_commit": git_commit(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    if cfg is not None:
        attrs["config_digest"] = config_digest(cfg)
        attrs["config_json"] = json.dumps(cfg, sort_keys=True, default=str)
    for key, value in extra.items():
        attrs[key] = _attr_value(value)
    return attrs


def _attr_value(value):
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, str | int | float | np.integer | np.floating):
        return value
    return json.dumps(value, default=str)


def describe(da: xr.DataArray, long_name: str, units: str = "1") -> xr.DataArray:
    """Attach the CF ``long_name`` and ``units`` every variable must carry."""
    da.attrs.update(long_name=long_name, units=units)
    return da


def write_dataset(ds: xr.Dataset, path, attrs: dict | None = None) -> Path:
    """Write ``ds`` to ``path`` atomically (temporary file, then rename).

    Raises:
        ValueError: if a data variable lacks ``long_name`` or ``units``.
    """
    path = Path(path)
    for name, var in ds.data_vars.items():
        missing = [k for k in ("long_name", "units") if k not in var.attrs]
        if missing:
            raise ValueError(
                f"variable {name!r} of {path} lacks attribute(s) {missing}; "
                "set them with store.describe before writing"
            )
    ds = ds.copy()
    ds.attrs.update(attrs or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        ds.to_netcdf(tmp, engine="netcdf4")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path


def read_dataset(path, required=()) -> xr.Dataset:
    """Open a stage output and check it has the variables a consumer needs.

    Raises:
        FileNotFoundError: naming the path and how to make it.
        KeyError: naming the file, the missing variable and the fix.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"input file {path} does not exist; make it first, e.g. "
            f"`snakemake --cores all {path}`"
        )
    ds = xr.load_dataset(path, engine="netcdf4")
    for name in required:
        if name not in ds.variables:
            raise KeyError(
                f"{path} has no variable {name!r} (it has {sorted(ds.data_vars)}); "
                "it was written by another stage or an older version: delete it "
                "and rerun the workflow"
            )
    return ds


def experiment_config(ds: xr.Dataset) -> dict:
    """The experiment config a stage output was made from (its provenance)."""
    return json.loads(ds.attrs["config_json"])
