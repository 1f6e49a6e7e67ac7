# Placeholder; filled by the twins study.
