# Shared helpers: config validation, experiment lists, per-rule parameters.

import json
from pathlib import Path

from lowrank_learning import config as lrl_config

SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
lrl_config.validate(config, lrl_config.load_schema(SCHEMA))
# The finite-N check runs through the ordinary stages as derived experiments.
FINITE_SIZE_RUNS = lrl_config.finite_size_experiments(config)
config["experiments"].update(FINITE_SIZE_RUNS)

EXPERIMENTS = sorted(config["experiments"])
FIGURE_FORMATS = ["pdf", "png"]
# Every figure rule file appends its outputs here; `rule all` builds them.
FIGURES = []


wildcard_constraints:
    exp="|".join(EXPERIMENTS) or "no-experiments",


def canonical(value):
    """The value with every mapping's keys sorted, recursively.

    Snakemake compares params by their representation, so the same settings
    written in another key order (e.g. a config dumped by yaml.safe_dump)
    must not look like a change and rerun the workflow.
    """
    return json.loads(json.dumps(value, sort_keys=True))


def experiment(wildcards):
    return config["experiments"][wildcards.exp]


def init_params(wildcards):
    exp = experiment(wildcards)
    return canonical({"network": exp["network"], "float64": exp["float64"]})


def train_params(wildcards):
    """Everything training depends on; theory settings excluded on purpose."""
    exp = experiment(wildcards)
    return canonical(
        {k: v for k, v in exp.items() if k not in ("theory", "description")}
    )


def theory_params(wildcards):
    """Everything the theory depends on; training bookkeeping excluded."""
    exp = experiment(wildcards)
    return canonical(
        {k: v for k, v in exp.items() if k not in ("train", "description")}
    )


FIGURE_CATEGORIES = {
    "fig01c": "Linear study",
    "fig05": "Linear study",
    "fig12": "Linear study",
    "fig04abc": "Nonlinear (erf) study",
    "fig08": "Nonlinear (erf) study",
    "fig11": "Nonlinear (erf) study",
    "figS1": "Nonlinear (erf) study",
    "fig02": "Degeneracy and memory",
    "fig03": "Degeneracy and memory",
    "fig06": "Degeneracy and memory",
    "fig07": "Degeneracy and memory",
    "fig04def": "Twins",
    "fig09": "Twins",
    "fig10": "Twins",
}


def figure_outputs(name):
    """PDF and PNG of a figure; the PNG goes into `snakemake --report` with the
    caption workflow/report/<name>.rst (report() resolves it from the main
    Snakefile here, as this helper is not inside a rule)."""
    category = FIGURE_CATEGORIES.get(name.split("_")[0], "Other figures")
    png = report(
        f"figures/{name}.png", caption=f"workflow/report/{name}.rst", category=category
    )
    return [f"figures/{name}.pdf", png]


def stage_file(stage, exp):
    if exp not in config["experiments"]:
        raise ValueError(
            f"this figure needs experiment {exp!r}, which the config does not "
            f"define (it defines {EXPERIMENTS}); add it under 'experiments'"
        )
    return f"data/{stage}/{exp}.nc"
