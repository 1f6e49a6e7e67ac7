# E6 twins (figures 4d-f, 9, 10): overlap-space training of twin pairs, history
# decoding, and the figures. Theory only: no N-dimensional network is trained.

from lowrank_learning import twins as lrl_twins

TWINS = config["twins"]
# Fail at parse time, naming the key, rather than inside a job.
lrl_twins.setup_from_config(TWINS)

FIGURES += (
    figure_outputs("fig04def_twins")
    + figure_outputs("fig09_twin_pair")
    + figure_outputs("fig10_twin_overlaps")
)

# Everything the training depends on: decoding and figure keys are left out,
# so changing them reruns only the decoding and the figures.
TWINS_TRAINING = canonical(
    {
        k: v
        for k, v in TWINS.items()
        if k not in ("description", "decoding", "example_pair")
    }
)


# The longest job of the workflow (about 25 minutes at paper scale on 2
# cores): started first, it runs beside everything else instead of after it.
rule train_twins:
    output:
        "data/twins/training.nc",
    log:
        "logs/twins/train_twins.log",
    benchmark:
        "results/benchmarks/twins/train_twins.tsv"
    priority: 10
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        seed=config["seed"],
        twins=TWINS_TRAINING,
        progress_interval=config["progress_interval"],
    script:
        "../../scripts/train_twins.py"


rule decode_twins:
    input:
        training="data/twins/training.nc",
    output:
        "data/twins/decoding.nc",
    log:
        "logs/twins/decode_twins.log",
    benchmark:
        "results/benchmarks/twins/decode_twins.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        seed=config["seed"],
        decoding=canonical(TWINS["decoding"]),
    script:
        "../../scripts/decode_twins.py"


rule fig04def_twins:
    input:
        training="data/twins/training.nc",
        decoding="data/twins/decoding.nc",
    output:
        figure_outputs("fig04def_twins"),
    log:
        "logs/figures/fig04def_twins.log",
    benchmark:
        "results/benchmarks/figures/fig04def_twins.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        pair=TWINS["example_pair"],
    script:
        "../../scripts/fig04def_twins.py"


rule fig09_twin_pair:
    input:
        training="data/twins/training.nc",
    output:
        figure_outputs("fig09_twin_pair"),
    log:
        "logs/figures/fig09_twin_pair.log",
    benchmark:
        "results/benchmarks/figures/fig09_twin_pair.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        pair=TWINS["example_pair"],
    script:
        "../../scripts/fig09_twin_pair.py"


rule fig10_twin_overlaps:
    input:
        training="data/twins/training.nc",
    output:
        figure_outputs("fig10_twin_overlaps"),
    log:
        "logs/figures/fig10_twin_overlaps.log",
    benchmark:
        "results/benchmarks/figures/fig10_twin_overlaps.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        pair=TWINS["example_pair"],
    script:
        "../../scripts/fig10_twin_overlaps.py"
