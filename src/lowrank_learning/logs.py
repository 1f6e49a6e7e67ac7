"""Logging for the stage scripts (library modules never log or print).

Each Snakemake rule writes to its own log file: what ran, on which device,
how long it took, the final numbers, and progress lines on long loops.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time


def stage_logger(log_path: str, name: str) -> logging.Logger:
    """A logger writing to the rule's log file and to stderr."""
    logger = logging.getLogger(f"lowrank_learning.{name}")
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in (logging.FileHandler(log_path, mode="w"), logging.StreamHandler()):
        handler.setFormatter(fmt)
        logger.addHandler(handler)
    logger.propagate = False
    return logger


@contextlib.contextmanager
def logged_stage(logger: logging.Logger, what: str):
    """Log start, duration and any exception (with traceback) of a stage."""
    start = time.perf_counter()
    logger.info("start: %s", what)
    try:
        yield
    except Exception:
        logger.exception("failed: %s", what)
        sys.stderr.flush()
        raise
    logger.info("done: %s in %.2f s", what, time.perf_counter() - start)
