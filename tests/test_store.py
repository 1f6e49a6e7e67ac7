"""NetCDF contracts: metadata required, writes atomic, reads validated."""

import numpy as np
import pytest
import xarray as xr

from lowrank_learning import store


def _dataset():
    ds = xr.Dataset({"loss": ("epoch", np.arange(3.0))})
    store.describe(ds["loss"], "a loss")
    return ds


def test_round_trip_keeps_values_and_provenance(tmp_path):
    path = store.write_dataset(
        _dataset(), tmp_path / "a.nc", store.provenance({"a": 1})
    )
    ds = store.read_dataset(path, required=["loss"])
    np.testing.assert_array_equal(ds["loss"], [0.0, 1.0, 2.0])
    for key in ("package_version", "git_commit", "config_digest", "created"):
        assert key in ds.attrs
    assert store.experiment_config(ds) == {"a": 1}


def test_variable_without_units_is_refused(tmp_path):
    ds = xr.Dataset({"loss": ("epoch", np.arange(3.0))})
    with pytest.raises(ValueError, match=r"'loss'.*lacks attribute"):
        store.write_dataset(ds, tmp_path / "a.nc")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    def explode(self, path, **kw):
        with open(path, "wb") as fh:
            fh.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", explode)
    with pytest.raises(OSError, match="disk full"):
        store.write_dataset(_dataset(), tmp_path / "a.nc")
    assert list(tmp_path.iterdir()) == []


def test_missing_variable_names_file_and_variable(tmp_path):
    path = store.write_dataset(_dataset(), tmp_path / "a.nc")
    with pytest.raises(KeyError, match=r"a\.nc has no variable 'gram'.*rerun"):
        store.read_dataset(path, required=["gram"])
