"""A pattern-mining attack on CLKs, in the spirit of Christen et al. (IEEE TKDE 2019).

The attacker holds the CLKs (no secret), the public linkage schema and public name frequencies.
A bigram of a name field sets the same positions in every CLK that holds it, so:

1. *Mining* (``benchmarks.pattern_mining``): sets of bit positions set together in many
   records, each a candidate bigram.
2. *Typing*: the schema says how many positions a bigram sets in each field; a first-name
   bigram sets those of ``given_name`` and ``name_tokens`` together, a last-name bigram those of
   ``family_name`` and ``name_tokens``. Patterns of that size that are not bigrams are dropped:
   a whole value (a ZIP code) caught inside a larger pattern of the same records, and street
   suffixes, which do not co-occur with the first-name patterns.
3. *Assignment and decoding*, alternated: patterns are first matched to bigrams by frequency
   rank, each record's patterns are decoded to the likeliest public name, and the bigrams of the
   decoded names re-assign the patterns (a maximum-overlap assignment), until stable.

Nothing here uses the secret or the plaintext of the CLKs; the caller scores the guesses.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import cdist

from benchmarks.pattern_mining import AttackSettings, Pattern, mine_patterns

__all__ = ["PublicNames", "Pattern", "AttackSettings", "load_public_names", "mine_patterns",
           "name_bigrams", "reidentify"]

_NOT_LETTER = re.compile(r"[^A-Z]")


def name_bigrams(name: str) -> frozenset[str]:
    """Given a normalised name, returns its bigrams as clkhash makes them (padded by spaces)."""
    padded = f" {name} "
    return frozenset(padded[index:index + 2] for index in range(len(padded) - 1))


@dataclass(frozen=True)
class PublicNames:
    """Public name frequencies, normalised as the agent normalises names (upper-case A-Z)."""

    first: dict[str, float]
    last: dict[str, float]


def _read_counts(filename: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    text = resources.files("clkhash").joinpath("data", filename).read_text(encoding="utf-8")
    reader = csv.reader(text.splitlines()[1:])
    for row in reader:
        if len(row) >= 2 and row[1].strip().isdigit():
            counts[_NOT_LETTER.sub("", row[0].upper())] += int(row[1])
    counts.pop("", None)
    return counts


def load_public_names() -> PublicNames:
    """Returns clkhash's bundled US first-name (female and male) and last-name frequencies."""
    first = _read_counts("female-first-names.csv") + _read_counts("male-first-names.csv")
    last = _read_counts("last-names.csv")
    return PublicNames(first={name: count / sum(first.values()) for name, count in first.items()},
                       last={name: count / sum(last.values()) for name, count in last.items()})


def _bits_per_token(document: dict, identifier: str) -> int:
    for feature in document["features"]:
        if feature["identifier"] == identifier:
            return int(feature["hashing"]["strategy"]["bitsPerToken"])
    raise KeyError(identifier)


def _typed(patterns: list[Pattern], size: int, tokens: int) -> list[Pattern]:
    """Returns the patterns of a name field's bigrams: about ``size`` positions, of which the
    ``tokens`` positions of ``name_tokens`` are themselves a pattern with at least as many
    records (the bigram in any name part); without the patterns that only restrict a kept one
    to fewer records (the bigram and a birth month)."""
    token_patterns = [p for p in patterns if abs(len(p.positions) - tokens) <= 1]
    chosen = []
    for pattern in sorted((p for p in patterns if abs(len(p.positions) - size) <= 1),
                          key=lambda p: -int(p.records.sum())):
        support = pattern.records.sum()
        if not any(len(t.positions & pattern.positions) >= tokens - 1 and t.records.sum() >= support
                   for t in token_patterns):
            continue
        if any(len(kept.positions & pattern.positions) >= size - 2 for kept in chosen):
            continue
        chosen.append(pattern)
    return chosen


def _decode(holds: np.ndarray, mapping: np.ndarray, candidate_bigrams: np.ndarray,
            log_weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Given which patterns each record holds and pattern -> bigram, returns each record's
    likeliest candidate name (an index) and the share of records whose read bigrams are exactly
    their decoded name's (among the mapped bigrams)."""
    known = np.zeros(candidate_bigrams.shape[1], dtype=bool)
    known[mapping[mapping >= 0]] = True
    present = np.zeros((holds.shape[0], candidate_bigrams.shape[1]), dtype=np.float32)
    for pattern, bigram in enumerate(mapping):
        if bigram >= 0:
            present[:, bigram] = np.maximum(present[:, bigram], holds[:, pattern])
    signatures, inverse = np.unique(present, axis=0, return_inverse=True)
    known_in_name = candidate_bigrams[:, known].sum(axis=1)
    unknown_in_name = candidate_bigrams[:, ~known].sum(axis=1)
    agree = signatures @ candidate_bigrams.T
    score = (5 * agree - 2 * known_in_name[None, :] - signatures.sum(axis=1)[:, None]
             - 0.5 * unknown_in_name[None, :] + 0.3 * log_weights[None, :])
    best = score.argmax(axis=1)
    exact = np.all(signatures[:, known] == candidate_bigrams[best][:, known], axis=1)
    return best[inverse.ravel()], float(exact[inverse.ravel()].mean())


def _assign(cost: np.ndarray) -> np.ndarray:
    rows, columns = linear_sum_assignment(cost)
    mapping = np.full(cost.shape[0], -1)
    mapping[rows] = columns
    return mapping


def _distinct(patterns: list[Pattern]) -> list[Pattern]:
    """Drops patterns whose records are (nearly) those of a pattern kept before them."""
    ordered = sorted(patterns, key=lambda p: -int(p.records.sum()))
    if not ordered:
        return []
    kept_records = np.zeros((len(ordered), len(ordered[0].records)), dtype=np.float32)
    kept_sizes = np.zeros(len(ordered), dtype=np.float32)
    kept: list[Pattern] = []
    for pattern in ordered:
        records = pattern.records.astype(np.float32)
        size = records.sum()
        count = len(kept)
        shared = kept_records[:count] @ records
        if np.all(shared < 0.95 * np.maximum(size, kept_sizes[:count])):
            kept_records[count], kept_sizes[count] = records, size
            kept.append(pattern)
    return kept


def _not_narrowed(patterns: list[Pattern], every_pattern: list[Pattern]) -> list[Pattern]:
    """Drops the patterns that lie inside a pattern at least 4 positions larger held by (nearly)
    the same records: a value of a whole-value feature (a ZIP code, a birth year) caught on the
    way to its full set of positions, not a bigram."""
    if not patterns:
        return []
    width = 1 + max(max(p.positions) for p in every_pattern)

    def incidence(group: list[Pattern]) -> np.ndarray:
        matrix = np.zeros((len(group), width), dtype=np.float32)
        for row, pattern in enumerate(group):
            matrix[row, list(pattern.positions)] = 1
        return matrix

    shared_positions = incidence(patterns) @ incidence(every_pattern).T
    lengths = np.array([len(p.positions) for p in every_pattern])
    supports = np.array([int(p.records.sum()) for p in every_pattern])
    kept = []
    for row, pattern in enumerate(patterns):
        size = int(pattern.records.sum())
        larger = np.flatnonzero((lengths >= len(pattern.positions) + 4)
                                & (shared_positions[row] >= len(pattern.positions) - 1)
                                & (supports <= 1.1 * size))
        if not any((every_pattern[other].records & pattern.records).sum() >= 0.9 * size
                   for other in larger):
            kept.append(pattern)
    return kept


def _dependent_core(patterns: list[Pattern], dependence: float) -> list[Pattern]:
    """Keeps the largest group of patterns linked by co-occurrence (|phi| of their records above
    ``dependence``). A first name's bigrams depend on one another; a street suffix's bigrams (12
    positions at 4 a bigram, so sized like a first-name bigram's 14) depend on other street
    patterns but not on the first names, and a frequency ranking that counts them goes astray."""
    if len(patterns) < 2:
        return patterns
    holds = np.stack([p.records for p in patterns], axis=1).astype(np.float64)
    count, share = len(holds), holds.sum(axis=0)
    spread = share * (count - share)
    phi = (count * (holds.T @ holds) - np.outer(share, share)) / np.sqrt(
        np.outer(spread, spread) + 1e-12)
    np.fill_diagonal(phi, 0)
    _, component = connected_components(np.abs(phi) > dependence, directed=False)
    largest = np.bincount(component).argmax()
    return [p for p, group in zip(patterns, component) if group == largest]


def _match_by_cooccurrence(holds: np.ndarray, candidate_bigrams: np.ndarray,
                           weights: np.ndarray, settings: AttackSettings) -> np.ndarray:
    """Returns pattern -> bigram (or -1): first by frequency alone, then, repeatedly, by how
    often each pattern occurs with the patterns mapped so far against how often each bigram
    occurs with theirs in the public names (a graph matching of the two co-occurrences)."""
    pattern_share = holds.mean(axis=0)
    bigram_share = weights @ candidate_bigrams
    pattern_pairs = np.sqrt(holds.T @ holds / len(holds))
    bigram_pairs = np.sqrt((candidate_bigrams * weights[:, None]).T @ candidate_bigrams)
    frequency_cost = np.abs(np.log(pattern_share[:, None] + 1e-9)
                            - np.log(bigram_share[None, :] + 1e-9))
    mapping = _assign(frequency_cost)
    for _ in range(settings.rounds):
        anchors = np.flatnonzero(mapping >= 0)
        cost = cdist(pattern_pairs[:, anchors], bigram_pairs[:, mapping[anchors]], "cityblock")
        new_mapping = _assign(cost + 0.1 * frequency_cost)
        if np.array_equal(new_mapping, mapping):
            break
        mapping = new_mapping
    # A pattern whose best bigram still fits badly is noise (two tokens, a chance closure).
    anchors = np.flatnonzero(mapping >= 0)
    cost = cdist(pattern_pairs[:, anchors], bigram_pairs[:, mapping[anchors]], "cityblock")
    fit = cost[np.arange(len(mapping)), mapping]
    mapping[fit > 2 * np.median(fit)] = -1
    return mapping


def _candidates(frequencies: dict[str, float]) -> tuple[list[str], list[str], np.ndarray,
                                                         np.ndarray]:
    """Returns the public names (most frequent first), their bigrams, the names x bigrams
    incidence matrix and the names' frequencies."""
    names = sorted(frequencies, key=frequencies.get, reverse=True)
    bigram_sets = [name_bigrams(name) for name in names]
    bigrams = sorted(set().union(*bigram_sets))
    column = {bigram: index for index, bigram in enumerate(bigrams)}
    incidence = np.zeros((len(names), len(bigrams)), dtype=np.float32)
    for row, found in enumerate(bigram_sets):
        incidence[row, [column[b] for b in found]] = 1
    return names, bigrams, incidence, np.array([frequencies[n] for n in names], dtype=np.float32)


def _recover_first(patterns: list[Pattern], frequencies: dict[str, float], record_count: int,
                   settings: AttackSettings) -> tuple[list[str], dict[frozenset[int], str], float]:
    """Given the first-name bigram patterns (distinct), returns a first name per record, the
    bigram each mapped pattern stands for and the evidence for that mapping: the share of records
    whose bigrams it reads are exactly those of the name it decodes, times the bigrams mapped (a
    wrong mapping reads bigram sets that no public name has)."""
    names, bigrams, incidence, weights = _candidates(frequencies)
    if not patterns:
        return [names[0]] * record_count, {}, 0.0
    holds = np.stack([p.records for p in patterns], axis=1).astype(np.float32)
    mapping = _match_by_cooccurrence(holds, incidence, weights, settings)
    decoded, explained = _decode(holds, mapping, incidence, np.log(weights))
    meaning = {p.positions: bigrams[m] for p, m in zip(patterns, mapping) if m >= 0}
    return [names[index] for index in decoded], meaning, explained * len(meaning)


def _recover_last(patterns: list[Pattern], meaning: dict[frozenset[int], str], tokens: int,
                  first_names: list[str], frequencies: dict[str, float]) -> list[str]:
    """Returns a last name per record from the ``name_tokens`` patterns (every name part's
    bigrams): a first-name pattern's ``name_tokens`` positions carry its bigram, and the
    bigrams a record holds beyond its first name's belong to the last name."""
    names, bigrams, incidence, weights = _candidates(frequencies)
    column = {bigram: index for index, bigram in enumerate(bigrams)}
    token_patterns = _distinct([p for p in patterns if abs(len(p.positions) - tokens) <= 1])
    present = np.zeros((len(first_names), len(bigrams)), dtype=np.float32)
    known = np.zeros(len(bigrams), dtype=bool)
    for pattern in token_patterns:
        for positions, bigram in meaning.items():
            if bigram in column and len(positions & pattern.positions) >= tokens - 1:
                present[:, column[bigram]] = np.maximum(present[:, column[bigram]],
                                                        pattern.records)
                known[column[bigram]] = True
                break
    of_first = np.zeros_like(present)
    for row, name in enumerate(first_names):
        of_first[row, [column[b] for b in name_bigrams(name) if b in column]] = 1
    must = present * (1 - of_first)
    signatures, inverse = np.unique(np.concatenate([present, must], axis=1), axis=0,
                                    return_inverse=True)
    held, needed = signatures[:, :len(bigrams)], signatures[:, len(bigrams):]
    agree = held @ incidence.T
    score = (6 * agree - 3 * incidence[:, known].sum(axis=1)[None, :]
             - 2 * (needed.sum(axis=1)[:, None] - needed @ incidence.T)
             - 0.5 * incidence[:, ~known].sum(axis=1)[None, :] + 0.3 * np.log(weights)[None, :])
    return [names[index] for index in score.argmax(axis=1)[inverse.ravel()]]


def reidentify(matrix: np.ndarray, document: dict, public: PublicNames,
               settings: AttackSettings = AttackSettings()) -> tuple[list[str], list[str]]:
    """Given CLKs (records x bits, boolean), the linkage schema document and public name
    frequencies, returns the guessed first name and last name of every record."""
    patterns = mine_patterns(matrix, settings)
    tokens = _bits_per_token(document, "name_tokens")
    given = _bits_per_token(document, "given_name") + tokens
    candidates = _distinct(_not_narrowed(_typed(patterns, given, tokens), patterns))
    # The matching starts from a frequency ranking and can settle on a wrong mapping: try each
    # dependence threshold and keep the mapping with the most evidence.
    first_names, meaning, _ = max(
        (_recover_first(_dependent_core(candidates, dependence), public.first, len(matrix),
                        settings) for dependence in settings.dependences),
        key=lambda recovered: recovered[2])
    last_names = _recover_last(patterns, meaning, tokens, first_names, public.last)
    return first_names, last_names
