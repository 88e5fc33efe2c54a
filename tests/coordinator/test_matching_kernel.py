"""The compiled Dice kernel gives anonlink's candidates, pair for pair and bit for bit."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from anonlink.similarities import dice_coefficient_accelerated
from bitarray import bitarray

from hublink.coordinator.matching.dice_kernel import as_words, dice_across, dice_within_runs, row_popcounts


@pytest.fixture(scope="module")
def rows(realistic_population) -> np.ndarray:
    _, packed = realistic_population
    return np.frombuffer(packed, dtype=np.uint8).reshape(-1, 128)


def _anonlink(rows: np.ndarray, left: np.ndarray, right: np.ndarray, threshold: float) -> dict:
    first = [bitarray(buffer=rows[index].tobytes()) for index in left]
    second = [bitarray(buffer=rows[index].tobytes()) for index in right]
    similarities, (found_left, found_right) = dice_coefficient_accelerated([first, second], threshold)
    return {(int(left[a]), int(right[b])): s for s, a, b in zip(similarities, found_left, found_right)}


def _ours(found) -> dict:
    similarities, first, second = found
    pairs = {(int(a), int(b)): float(s) for s, a, b in zip(similarities, first, second)}
    assert len(pairs) == len(similarities)
    return pairs


@pytest.mark.parametrize("threshold, left, right", [
    # at 0.3 nearly every pair is kept: a slice of 250 x 300 records gives 75,000 of them
    pytest.param(0.3, np.arange(0, 250), np.arange(700, 1000), id="0.3"),
    pytest.param(0.72, np.arange(0, 700), np.arange(700, 2000), id="0.72"),
    pytest.param(0.9, np.arange(0, 700), np.arange(700, 2000), id="0.9")])
def test_across_gives_anonlinks_pairs_and_similarities(rows, threshold, left, right):
    expected = _anonlink(rows, left, right, threshold)
    found = _ours(dice_across(as_words(rows), row_popcounts(rows), left, right, threshold))
    assert found == expected  # floats compared exactly
    assert len(found) > (1_000 if threshold < 0.5 else 10)


def test_within_runs_gives_each_pair_of_each_run_once_as_anonlink(rows):
    generator = np.random.default_rng(3)
    order = generator.permutation(len(rows))
    sizes = generator.integers(2, 300, size=40)
    cuts = np.cumsum(sizes)
    cuts = cuts[cuts < len(rows)]
    runs = [np.sort(part) for part in np.split(order, cuts) if len(part) >= 2]
    bounds = np.r_[0, np.cumsum([len(run) for run in runs])]
    found = _ours(dice_within_runs(as_words(rows), row_popcounts(rows), np.concatenate(runs), bounds, 0.4))
    expected = {}
    for run in runs:
        expected.update({pair: similarity for pair, similarity in _anonlink(rows, run, run, 0.4).items()
                         if pair[0] < pair[1]})
    assert found == expected
    assert len(found) > 1_000


def test_results_larger_than_one_output_buffer_are_all_returned(rows, monkeypatch):
    from hublink.coordinator.matching import dice_kernel
    monkeypatch.setattr(dice_kernel, "_OUTPUT_PAIRS", 1_000)
    left, right = np.arange(0, 150), np.arange(500, 700)
    small_buffers = _ours(dice_across(as_words(rows), row_popcounts(rows), left, right, 0.2))
    assert len(small_buffers) > 20_000  # over 20 buffers
    assert small_buffers == _anonlink(rows, left, right, 0.2)
    everyone = np.arange(250)
    within = _ours(dice_within_runs(as_words(rows), row_popcounts(rows), everyone, np.array([0, 250]), 0.2))
    assert len(within) == 250 * 249 // 2


def test_empty_clks_never_match():
    rows = np.zeros((3, 128), dtype=np.uint8)
    rows[2, :4] = 255
    found = dice_within_runs(as_words(rows), row_popcounts(rows), np.arange(3), np.array([0, 3]), 0.01)
    assert len(found[0]) == 0


def test_the_kernel_releases_the_gil(rows):
    """A Python thread keeps running while another thread is inside one long kernel call (with the
    GIL held it would stop for the whole call, after at most one switch interval)."""
    words, ones = as_words(rows), row_popcounts(rows)
    everyone = np.arange(len(rows))
    many = np.tile(everyone, 8)
    dice_across(words, ones, everyone[:10], everyone, 0.99)  # compiled (or loaded) before timing
    stamps: list[float] = []
    done = threading.Event()

    def count() -> None:
        ticks = 0
        while not done.is_set():
            ticks += 1
            if ticks % 2_000 == 0:
                stamps.append(time.perf_counter())

    counter = threading.Thread(target=count)
    counter.start()
    try:
        started = time.perf_counter()
        dice_across(words, ones, many, everyone, 0.99)  # one call, 32M pairs
        ended = time.perf_counter()
    finally:
        done.set()
        counter.join()
    inside = [stamp for stamp in stamps if started < stamp < ended]
    assert len(inside) > 10
    assert inside[-1] - inside[0] > 0.5 * (ended - started)


@pytest.mark.parametrize("bits", [512, 1024, 2048])
def test_the_common_bits_needed_decide_as_the_similarity_does(bits):
    """Thresholds that some pairs reach exactly (0.75 = 2*3/8, 0.5, 1.0) and arbitrary ones: for
    every total and every count of common bits, ``common >= needed[total]`` is the kernel's
    ``2.0 * common / total >= threshold``."""
    from hublink.coordinator.matching.dice_kernel import counts_needed
    totals = np.arange(1, 2 * bits + 1)
    for threshold in (0.75, 0.5, 1.0, 0.5902272902097899, 0.72, 1e-9, 0.999):
        needed = counts_needed(threshold, bits)
        assert needed[0] > bits  # two empty CLKs never
        commons = np.arange(bits + 1)
        kept = (2.0 * commons[None, :] / totals[:, None]) >= threshold
        assert np.array_equal(commons[None, :] >= needed[1:, None], kept), threshold


def test_runs_larger_than_one_output_buffer_resume_inside_a_run(rows, monkeypatch):
    """Two runs of 120 rows, 7,140 pairs each, through buffers of 1,000 pairs: the kernel stops
    inside a run and resumes at the row where it stopped, with no pair lost or repeated."""
    from hublink.coordinator.matching import dice_kernel
    monkeypatch.setattr(dice_kernel, "_OUTPUT_PAIRS", 1_000)
    members = np.r_[np.arange(0, 120), np.arange(300, 420)]
    found = _ours(dice_within_runs(as_words(rows), row_popcounts(rows), members, np.array([0, 120, 240]), 0.05))
    assert len(found) == 2 * 120 * 119 // 2
    assert set(found) == ({(a, b) for a in range(120) for b in range(a + 1, 120)}
                          | {(a, b) for a in range(300, 420) for b in range(a + 1, 420)})
