# Entry point of the low-rank learning pipeline (Ger & Barak 2026 reproduction).
#
#   snakemake --cores all                                # paper scale
#   snakemake --cores all --configfile config/quick.yaml # tiny, under a minute
#
# Stages: init -> train -> overlaps -> theory -> figures, one file each under
# workflow/rules/. The science lives in src/lowrank_learning.


import os

from snakemake.utils import min_version

min_version("8.0")


# The default config sits beside this file, so `-d <dir>` runs work too;
# --configfile <file> values override it key by key.
configfile: os.path.join(workflow.basedir, "config", "config.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/init.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/overlaps.smk"
include: "workflow/rules/theory.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/erf.smk"
include: "workflow/rules/memory.smk"
include: "workflow/rules/twins.smk"
include: "workflow/rules/audit.smk"


rule all:
    default_target: True
    input:
        FIGURES,
        AUDIT,
