# Placeholder; filled by the memory study.
