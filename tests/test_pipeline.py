"""End-to-end: the Snakemake workflow on config/quick.yaml in a temporary directory.

One module-scoped run builds everything from an empty data/; the tests then
check the targets, that a second call has nothing to do, and that editing one
experiment's lr reruns exactly that experiment's chain.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile")]

pytestmark = pytest.mark.pipeline


def _snakemake(workdir, *args, config=None):
    # --configfile takes several values: the other arguments go before it
    cmd = [*SNAKEMAKE, "-d", str(workdir), "--cores", "2", *args]
    cmd += ["--configfile", str(config or ROOT / "config/quick.yaml")]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("pipeline")
    result = _snakemake(workdir)
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir


def test_every_figure_is_built_from_empty_data(built):
    figures = {p.name for p in (built / "figures").iterdir()}
    for stem in ("fig01c_three_descents", "fig05_linear_filter", "fig12_rank2"):
        assert {f"{stem}.pdf", f"{stem}.png"} <= figures
    for stage in ("init", "train", "overlaps", "theory"):
        assert (built / "data" / stage / "linear_filter.nc").stat().st_size > 0
    assert (built / "logs/train_network/linear_filter.log").read_text().count("done:")


def test_second_call_has_nothing_to_do(built):
    result = _snakemake(built, "-n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Nothing to be done" in result.stdout + result.stderr


def _planned_jobs(output: str) -> set[str]:
    jobs = set()
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] not in ("job", "total"):
            jobs.add(parts[0])
    return jobs


def test_editing_one_lr_reruns_only_that_chain(built, tmp_path):
    cfg = yaml.safe_load((ROOT / "config/quick.yaml").read_text())
    cfg["experiments"]["linear_filter"]["lr"] *= 0.5
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(cfg))
    result = _snakemake(built, "-n", "--quiet", "rules", config=edited)
    assert result.returncode == 0, result.stderr[-2000:]
    jobs = _planned_jobs(result.stdout + result.stderr)
    assert jobs == {
        "train_network",
        "extract_overlaps",
        "integrate_theory",
        "fig01c_three_descents",
        "fig05_linear_filter",
        "audit_claims",
        "all",
    }, result.stdout


def test_missing_input_fails_with_the_path(built, tmp_path):
    """A stage whose input is gone (and may not be remade) names the file."""
    work = tmp_path / "w"
    shutil.copytree(built / "data", work / "data")
    (work / "data/train/linear_filter.nc").unlink()
    (work / "data/overlaps/linear_filter.nc").unlink()
    result = _snakemake(
        work, "data/overlaps/linear_filter.nc", "--allowed-rules", "extract_overlaps"
    )
    assert result.returncode != 0
    assert "data/train/linear_filter.nc" in result.stdout + result.stderr


def test_workflow_lint_is_clean():
    result = subprocess.run(
        [*SNAKEMAKE, "--lint", "--configfile", str(ROOT / "config/quick.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _audit(workdir, claims_file, tmp_path):
    override = tmp_path / "audit.yaml"
    override.write_text(
        yaml.safe_dump({"audit": {"claims": str(claims_file), "enforce": True}})
    )
    cmd = [*SNAKEMAKE, "-d", str(workdir), "--cores", "1", "--configfile"]
    cmd += [str(ROOT / "config/quick.yaml"), str(override)]
    cmd += ["--forcerun", "audit_claims", "results/audit/claims.md"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def test_corrupting_an_overlap_flips_its_verdict_and_fails_the_audit(built, tmp_path):
    """The exact map equals the simulation to round-off; editing one simulated
    overlap by 1e-3 must break claim C1-exact and stop the audit naming it."""
    import numpy as np
    import xarray as xr

    registry = yaml.safe_load((ROOT / "config/claims.yaml").read_text())
    exact = [c for c in registry["claims"] if c["id"] == "C1-exact"]
    claims_file = tmp_path / "claims.yaml"
    claims_file.write_text(yaml.safe_dump({"claims": exact}))
    work = tmp_path / "w"
    shutil.copytree(built, work, ignore=shutil.ignore_patterns(".snakemake"))

    ok = _audit(work, claims_file, tmp_path)
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert "| C1-exact |" in (work / "results/audit/claims.md").read_text()

    path = work / "data/overlaps/linear_filter.nc"
    ds = xr.load_dataset(path)
    sigma = ds["sigma"].values.copy()
    sigma[-1, 0] += 1e-3
    ds["sigma"] = (ds["sigma"].dims, sigma, ds["sigma"].attrs)
    ds.to_netcdf(path)
    assert np.array_equal(xr.load_dataset(path)["sigma"].values, sigma)

    bad = _audit(work, claims_file, tmp_path)
    assert bad.returncode != 0
    assert "C1-exact (fail, expected pass)" in bad.stdout + bad.stderr


def test_report_has_every_figure_and_the_claims_table(built):
    report = built / "report.html"
    result = _snakemake(built, "--report", str(report))
    assert result.returncode == 0, result.stderr[-3000:]
    html = report.read_text(errors="replace")
    for name in (
        "fig05_linear_filter.png",
        "fig11_metric_structure.png",
        "fig04def_twins.png",
        "claims.html",
    ):
        assert name in html, name
