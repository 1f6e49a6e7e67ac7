"""E6 twins: vectorised overlap-space training, lr schedule, random starts.

Tolerances: the vectorised run and the one-network-at-a-time reference
evaluate the same float64 expressions in a different batching, so they agree
to round-off (rtol 1e-9 over 20 epochs, far below any O(lr) effect).
"""

import copy
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import yaml

from lowrank_learning import config, store, theory, twins
from lowrank_learning.overlaps import gram_from_sigma, sigma_from_gram
from lowrank_learning.protocol import experiment_key, stream_key, trial_key

ROOT = Path(__file__).resolve().parents[1]


def _tiny_cfg(**overrides):
    """A validated twins block: 2 pairs, 4-s trials, 12 + 8 epochs."""
    cfg = yaml.safe_load((ROOT / "config/quick.yaml").read_text())["twins"]
    cfg.update(
        n_pairs=2,
        dt=0.1,
        t_max=4.0,
        batch=4,
        epochs_ab=12,
        epochs_c=8,
        lr_ab=0.05,
        lr_c=0.01,
        chunk=5,
        sigma_stride=3,
        decoding={"splits": 5, "test_pairs": 1, "noise_std": 0.3},
    )
    cfg["tasks"] = copy.deepcopy(cfg["tasks"])
    cfg["tasks"]["B"].update(fixation=0.5, stimulus=1.0, delay=0.5, response=1.0)
    cfg.update(overrides)
    return config.validate({"twins": cfg})["twins"]


def _reference(setup, sigma0, root):
    """Every network trained alone, epoch by epoch, with the rule spelled out."""
    keys = twins.trial_roots(root)
    tasks = setup.task
    update = {
        "first_order": theory.first_order_update,
        "exact_map": theory.exact_map_update,
    }[setup.method]
    grad = jax.jit(theory.sym_gradient, static_argnums=(2, 3, 4))
    sample = jax.jit(lambda task, key: task.sample(key), static_argnums=0)
    E = setup.total_epochs
    loss = np.zeros((E + 1, setup.n_pairs, 2))
    switch = np.full((setup.n_pairs, 2), -1)
    final = np.zeros((setup.n_pairs, 2, 10))
    for p in range(setup.n_pairs):
        for t, label in enumerate(twins.HISTORIES):
            S = gram_from_sigma(jnp.asarray(sigma0[p]), 1)
            lr = setup.lr_ab
            for e in range(E):
                name = label if e < setup.epochs_ab else "C"
                batch = sample(tasks[name], trial_key(keys[name], e))
                loss[e, p, t], A = grad(S, batch, tasks[name], 1, "erf")
                if e == setup.epochs_ab:
                    lr = setup.lr_c
                if (
                    e < setup.epochs_ab
                    and loss[e, p, t] < setup.lr_drop_threshold
                    and switch[p, t] < 0
                ):
                    switch[p, t] = e
                    lr = lr / setup.lr_drop_factor
                S = update(S, A, lr)
            batch = sample(tasks["C"], trial_key(keys["C"], E))
            loss[E, p, t] = grad(S, batch, tasks["C"], 1, "erf")[0]
            final[p, t] = np.asarray(sigma_from_gram(S, 1))
    return loss, switch, final


def _start(setup, seed=3):
    root = experiment_key(seed, "twins-test")
    sigma0, rejected = twins.initial_overlaps(stream_key(root, "init"), setup.n_pairs)
    return sigma0, rejected, root


@pytest.mark.parametrize(
    "method", ["first_order", pytest.param("exact_map", marks=pytest.mark.slow)]
)
def test_vectorised_training_equals_each_network_trained_alone(method):
    setup = twins.setup_from_config(_tiny_cfg(method=method))
    sigma0, rejected, root = _start(setup)
    run = twins.train_twins(setup, sigma0, root, rejections=rejected)
    loss, switch, final = _reference(setup, sigma0, root)
    np.testing.assert_allclose(run.loss, loss, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(run.sigma[-1], final, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(run.switch_epoch, switch)


def test_lr_drops_at_the_first_subthreshold_epoch():
    # loss of network (pair 0, twin A) without any drop
    no_drop = twins.setup_from_config(_tiny_cfg(lr_drop_threshold=-np.inf))
    sigma0, _, root = _start(no_drop)
    free = twins.train_twins(no_drop, sigma0, root).loss[: no_drop.epochs_ab, 0, 0]

    # a threshold that this loss first crosses at a record low k >= 2
    records = [e for e in range(2, len(free) - 2) if free[e] < free[:e].min()]
    assert records, f"the tiny run never improves its loss: {free}"
    k = records[len(records) // 2]
    threshold = 0.5 * (free[k] + free[:k].min())

    setup = twins.setup_from_config(_tiny_cfg(lr_drop_threshold=float(threshold)))
    run = twins.train_twins(setup, sigma0, root)
    assert run.switch_epoch[0, 0] == k
    np.testing.assert_allclose(run.loss[: k + 1, 0, 0], free[: k + 1], rtol=1e-12)
    assert abs(run.loss[k + 1, 0, 0] - free[k + 1]) > 1e-9

    loss, switch, _ = _reference(setup, sigma0, root)
    np.testing.assert_array_equal(run.switch_epoch, switch)
    np.testing.assert_allclose(run.loss, loss, rtol=1e-9, atol=1e-12)


def test_starts_are_positive_definite_in_range_and_reproducible():
    key = jax.random.PRNGKey(7)
    sigma, rejected = twins.initial_overlaps(key, 6)
    again, rejected_again = twins.initial_overlaps(key, 6)
    np.testing.assert_array_equal(sigma, again)
    np.testing.assert_array_equal(rejected, rejected_again)
    # pair p's start does not depend on how many pairs are drawn
    np.testing.assert_array_equal(twins.initial_overlaps(key, 2)[0], sigma[:2])
    assert not np.array_equal(
        twins.initial_overlaps(jax.random.PRNGKey(8), 6)[0], sigma
    )

    s = {lab: sigma[:, i] for i, lab in enumerate(twins.LABELS)}
    assert all(np.all(s[lab] >= 0) for lab in twins.CROSS)
    assert all(np.all((s[lab] >= 0.5) & (s[lab] <= 2.0)) for lab in twins.SELF)
    assert np.all(s["mm"] * s["uu"] - s["mu"] ** 2 > 0)


def test_non_pd_draws_are_rejected_and_counted():
    key = jax.random.PRNGKey(0)
    sigma, rejected = twins.initial_overlaps(key, 8, cross_std=3.0, self_max=0.6)
    assert rejected.sum() > 0
    assert all(twins.mu_block_is_pd(row) for row in sigma)
    # the kept draw of pair p is attempt rejected[p] of its own stream
    for p in range(8):
        expected = twins.draw_start(
            jax.random.fold_in(jax.random.fold_in(key, p), int(rejected[p])),
            3.0,
            0.5,
            0.6,
        )
        np.testing.assert_array_equal(sigma[p], np.asarray(expected))
    with pytest.raises(ValueError, match="positive-definite"):
        twins.initial_overlaps(key, 1, cross_std=100.0, self_max=0.51, max_attempts=2)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"n_pairs": 2, "decoding": {"test_pairs": 2}}, r"twins\.n_pairs"),
        ({"tasks": {"A": {"kind": "filter"}}}, r"loss scale"),
        ({"init": {"self_min": 2.0, "self_max": 1.0}}, r"twins\.init\.self_min"),
    ],
)
def test_bad_twins_config_names_the_key(edit, message):
    cfg = _tiny_cfg()
    for key, value in edit.items():
        if isinstance(value, dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    with pytest.raises(ValueError, match=message):
        twins.setup_from_config(cfg)


@pytest.mark.parametrize("name", ["config.yaml", "quick.yaml"])
def test_shipped_twins_blocks_are_valid(name):
    cfg = config.load(ROOT / "config" / name)["twins"]
    setup = twins.setup_from_config(cfg)
    assert setup.n_pairs >= cfg["decoding"]["test_pairs"] + 1


def test_training_dataset_records_every_stage(tmp_path):
    cfg = _tiny_cfg()
    ds = twins.training_dataset(cfg, seed=0)
    store.write_dataset(ds, tmp_path / "training.nc")
    saved = set(ds["epoch_saved"].values.tolist())
    assert {0, 3, 6, 9, 12, 15, 18, 20} == saved
    assert ds.sizes["epoch"] == cfg["epochs_ab"] + cfg["epochs_c"] + 1
    start = ds["sigma_stage"].sel(stage="start")
    np.testing.assert_array_equal(start.sel(twin="A"), start.sel(twin="B"))
    np.testing.assert_array_equal(
        ds["sigma_stage"].sel(stage="after_ab"),
        ds["sigma"].sel(epoch_saved=cfg["epochs_ab"]),
    )
    assert ds["probe_output"].shape == (3, 3, 2, 2, ds.sizes["time"])
    assert np.all(np.isfinite(ds["probe_output"].values))


def test_figures_draw_from_a_tiny_run():
    from lowrank_learning import decoding
    from lowrank_learning.plotting import twins as plots

    cfg = _tiny_cfg()
    training = twins.training_dataset(cfg, seed=0)
    decoded = decoding.decoding_dataset(training, cfg["decoding"], seed=0)
    for fig in (
        plots.protocol_and_decoding(training, decoded, 1),
        plots.twin_pair(training, 0),
        plots.twin_overlaps(training, 1),
    ):
        assert fig.axes
    with pytest.raises(ValueError, match="example_pair"):
        plots.twin_pair(training, 5)
