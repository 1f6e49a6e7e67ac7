"""The claims registry: well-formed, pointing at real experiments, honest table."""

from pathlib import Path

import pytest
import yaml

from lowrank_learning import claims, config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def registry():
    return claims.load_claims(ROOT / "config/claims.yaml")


def test_every_study_claim_is_audited(registry):
    ids = {c["id"].split("-")[0] for c in registry}
    assert {f"C{i}" for i in range(1, 11)} <= ids


def test_claims_read_outputs_of_configured_experiments(registry):
    cfg = config.load(ROOT / "config/config.yaml")
    known = set(cfg["experiments"]) | {"summary", "degeneracy", "decoding", "training"}
    for c in registry:
        for key in c["files"]:
            stage, name = key.split("/")
            assert name in known, (c["id"], key)


def test_expected_failures_carry_a_reason(registry):
    for c in registry:
        if c["expected"] == "fail":
            assert c["reason"].strip()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c.pop("threshold"), r"lacks \['threshold'\]"),
        (lambda c: c.update(metric="nope"), "metric 'nope' is unknown"),
        (lambda c: c.update(compare="=="), "compare '==' must be one of"),
        (lambda c: c.update(expected="fail"), "expected 'fail' needs a 'reason'"),
    ],
)
def test_malformed_claim_names_the_problem(tmp_path, edit, message):
    raw = yaml.safe_load((ROOT / "config/claims.yaml").read_text())
    edit(raw["claims"][0])
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(claims.ClaimError, match=message):
        claims.load_claims(path)


def test_table_lists_every_claim_with_its_number():
    rows = [
        {
            "id": "X1",
            "statement": "s",
            "figure": "f",
            "measured": 0.0123,
            "compare": "<",
            "threshold": 0.02,
            "verdict": "pass",
            "expected": "pass",
            "as_expected": True,
        },
        {
            "id": "X2",
            "statement": "t",
            "figure": "g",
            "measured": 3.5,
            "compare": ">",
            "threshold": 5.0,
            "verdict": "fail",
            "expected": "pass",
            "as_expected": False,
        },
    ]
    table = claims.markdown_table(rows)
    assert "| X1 | s | 0.0123 | < 0.02 | pass |" in table
    assert "| X2 | t | 3.5 | > 5 | fail **UNEXPECTED** |" in table
