# Placeholder; filled by the erf study.
