"""Config validation: every key documented, bad input named with its fix."""

import copy
from pathlib import Path

import pytest
import yaml

from lowrank_learning import config, store

ROOT = Path(__file__).resolve().parents[1]


def _walk(schema, defs, path="config"):
    """Yield (path, property schema) for every property in the schema tree."""
    if "$ref" in schema:
        schema = defs[schema["$ref"].split("/")[-1]]
    for name, sub in schema.get("properties", {}).items():
        yield f"{path}.{name}", sub
        yield from _walk(sub, defs, f"{path}.{name}")
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        yield from _walk(extra, defs, f"{path}.<name>")
    for branch in schema.get("allOf", []):
        yield from _walk(branch.get("then", {}), defs, path)
    if isinstance(schema.get("items"), dict):
        yield from _walk(schema["items"], defs, f"{path}[]")


def test_every_schema_key_has_a_description_and_a_default():
    schema = config.load_schema()
    missing = []
    for path, sub in _walk(schema, schema["$defs"]):
        merged = dict(sub)
        if "$ref" in sub:
            merged = {**schema["$defs"][sub["$ref"].split("/")[-1]], **sub}
        if "description" not in merged:
            missing.append(f"{path}: description")
        # Keys that select or name things (task kind, phase task) and the
        # required experiment blocks have no meaningful default.
        if (
            "default" not in merged
            and "const" not in merged
            and not path.endswith((".kind", ".task"))
        ):
            missing.append(f"{path}: default")
    assert missing == []


@pytest.mark.parametrize("name", ["config.yaml", "quick.yaml"])
def test_shipped_configs_validate(name):
    cfg = config.load(ROOT / "config" / name)
    assert {"linear_filter", "rank2_oscillation"} <= set(cfg["experiments"])


def test_quick_config_has_the_same_keys_as_paper_config():
    def keys(d, prefix=""):
        out = set()
        for k, v in d.items():
            out.add(prefix + k)
            if isinstance(v, dict) and k not in ("tasks",):
                out |= keys(v, prefix + k + ".")
        return out

    paper = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    quick = yaml.safe_load((ROOT / "config/quick.yaml").read_text())
    assert keys(paper) == keys(quick)


@pytest.fixture
def paper():
    return yaml.safe_load((ROOT / "config/config.yaml").read_text())


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda c: c.update(learning_rate=1),
            r"\['learning_rate'\] at the top level are not recognised",
        ),
        (
            lambda c: c["experiments"]["linear_filter"].update(lr=-0.01),
            r"experiments\.linear_filter\.lr = -0\.01 is invalid",
        ),
        (
            lambda c: c["experiments"]["linear_filter"]["network"].update(rank=0),
            r"experiments\.linear_filter\.network\.rank = 0 is invalid",
        ),
        (
            lambda c: c["experiments"]["linear_filter"]["network"].update(Nn=3),
            r"\['Nn'\] under experiments\.linear_filter\.network",
        ),
        (
            lambda c: c["experiments"]["linear_filter"].update(dt=1.5),
            r"experiments\.linear_filter\.dt = 1\.5 is invalid",
        ),
        (
            lambda c: c["experiments"]["linear_filter"].update(t_max=20.01),
            r"t_max = 20\.01 is not a whole number of steps",
        ),
        (
            lambda c: c["experiments"]["linear_filter"].update(phases=[]),
            r"experiments\.linear_filter\.phases = \[\] is invalid",
        ),
        (
            lambda c: c["experiments"]["linear_filter"].update(batch=0),
            r"experiments\.linear_filter\.batch = 0 is invalid",
        ),
        (
            lambda c: c["experiments"]["linear_filter"]["tasks"].update(
                D={"kind": "decision", "coherences": []}
            ),
            r"experiments\.linear_filter\.tasks\.D\.coherences = \[\] is invalid",
        ),
        (
            lambda c: c["experiments"]["linear_filter"]["tasks"]["A"].update(
                kind="flip-flop"
            ),
            r"tasks\.A\.kind = 'flip-flop' is invalid",
        ),
        (
            lambda c: c["experiments"]["linear_filter"]["phases"][0].update(task="Z"),
            r"phases\[0\]\.task = 'Z' is not defined under 'tasks'",
        ),
        (
            lambda c: c["experiments"]["linear_filter"]["phases"][0].update(
                optimizer="sgd"
            ),
            r"phases\[0\]\.optimizer = 'sgd' is invalid",
        ),
    ],
)
def test_bad_config_names_key_value_and_fix(paper, edit, message):
    cfg = copy.deepcopy(paper)
    edit(cfg)
    with pytest.raises(config.ConfigError, match=message) as err:
        config.validate(cfg)
    assert (
        "fix" in str(err.value)
        or "remove" in str(err.value)
        or "add" in str(err.value)
        or "choose" in str(err.value)
    )


def test_missing_input_file_names_path_and_remedy(tmp_path):
    missing = tmp_path / "data/train/nope.nc"
    with pytest.raises(FileNotFoundError, match=r"nope\.nc does not exist.*snakemake"):
        store.read_dataset(missing)
