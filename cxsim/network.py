"""Social networks as sparse adjacency (CSR), built directly for large markets.

``complete`` is never materialised: everyone hears the market average
(mean-field). The others are undirected graphs with the scenario's mean degree.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

from cxsim.scenario import Network


def _symmetric_csr(src: np.ndarray, dst: np.ndarray, n: int) -> sp.csr_array:
    """Undirected adjacency from edge lists, self-ties dropped, repeated ties kept once."""
    keep = src != dst
    src, dst = src[keep], dst[keep]
    rows = np.concatenate([src, dst]).astype(np.int32)
    cols = np.concatenate([dst, src]).astype(np.int32)
    data = np.ones(rows.size, dtype=np.float32)
    adjacency = sp.csr_array((data, (rows, cols)), shape=(n, n))
    adjacency.sum_duplicates()
    adjacency.data[:] = 1.0  # a pair drawn twice is still one tie
    return adjacency


def random_graph(n: int, mean_degree: float, rng: np.random.Generator) -> sp.csr_array:
    """Erdős–Rényi G(n, m) with m = n * k / 2 edges."""
    m = int(round(n * mean_degree / 2))
    return _symmetric_csr(rng.integers(0, n, m), rng.integers(0, n, m), n)


def small_world_graph(n: int, mean_degree: float, rewire: float, rng: np.random.Generator) -> sp.csr_array:
    """Watts–Strogatz: a ring where each person knows k/2 neighbours each side, ties rewired at random."""
    half = max(1, int(round(mean_degree / 2)))
    src = np.repeat(np.arange(n), half)
    dst = (src + np.tile(np.arange(1, half + 1), n)) % n
    rewired = rng.random(src.size) < rewire
    dst = dst.copy()
    dst[rewired] = rng.integers(0, n, int(rewired.sum()))
    return _symmetric_csr(src, dst, n)


def scale_free_graph(n: int, mean_degree: float, exponent: float, rng: np.random.Generator) -> sp.csr_array:
    """Chung–Lu graph whose expected degrees follow a power law with the given exponent."""
    ranks = np.arange(1, n + 1, dtype=float)
    weights = ranks ** (-1.0 / (exponent - 1.0))
    weights = np.minimum(weights / weights.mean() * mean_degree, np.sqrt(n * mean_degree))
    cumulative = np.cumsum(weights)
    cumulative /= cumulative[-1]
    m = int(round(n * mean_degree / 2))
    src = np.searchsorted(cumulative, rng.random(m), side="right")
    dst = np.searchsorted(cumulative, rng.random(m), side="right")
    order = rng.permutation(n)  # hubs anywhere, not at the lowest ids
    return _symmetric_csr(order[np.minimum(src, n - 1)], order[np.minimum(dst, n - 1)], n)


def build_network(spec: Network, n: int, rng: np.random.Generator) -> sp.csr_array | None:
    """The adjacency for a network spec, or ``None`` for the complete graph (mean-field)."""
    k = min(spec.mean_degree, n - 1)
    if spec.kind == "complete":
        return None
    if spec.kind == "random":
        return random_graph(n, k, rng)
    if spec.kind == "small_world":
        return small_world_graph(n, k, spec.rewire_probability, rng)
    return scale_free_graph(n, k, spec.degree_exponent, rng)


@numba.njit(cache=True, nogil=True, parallel=True)
def _contacts_mean(indptr, indices, voice, table, out_positive, out_negative):  # pragma: no cover
    for i in numba.prange(indptr.size - 1):
        start, end = indptr[i], indptr[i + 1]
        pos = 0.0
        neg = 0.0
        for k in range(start, end):
            said = voice[indices[k]]
            pos += table[said, 0]
            neg += table[said, 1]
        degree = end - start
        out_positive[i] = pos / degree if degree else 0.0
        out_negative[i] = neg / degree if degree else 0.0


def heard(adjacency: sp.csr_array | None, voice: np.ndarray, table: np.ndarray,
          n_groups: int = 1) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Positive and negative WOM each person hears per contact: the mean of what contacts send.

    Args:
        adjacency: the network, ``None`` for the complete graph.
        voice: each person's Voice code.
        table: WOM sent by each voice (rows: Voice; columns: positive, negative).
        n_groups: replications sharing the arrays as consecutive equal blocks.

    On the complete graph this is the market average: a pair of scalars for one
    market, else each person's own market's average. On a network it is one
    compiled pass over the adjacency reading one byte per contact (the random
    reads of contacts' state are the cost of a week).
    """
    if adjacency is None:
        n = voice.size // n_groups
        codes = voice.reshape(n_groups, n) + (np.arange(n_groups) * len(table))[:, None]
        counts = np.bincount(codes.ravel(), minlength=n_groups * len(table)).reshape(n_groups, len(table))
        mean = counts @ table / n
        if n_groups == 1:
            return float(mean[0, 0]), float(mean[0, 1])
        return np.repeat(mean[:, 0], n), np.repeat(mean[:, 1], n)
    out_positive, out_negative = np.empty(voice.size), np.empty(voice.size)
    _contacts_mean(adjacency.indptr, adjacency.indices, voice, table, out_positive, out_negative)
    return out_positive, out_negative


def estimated_bytes(n: int, spec: Network) -> int:
    """Rough memory a run needs: per-customer state plus the adjacency."""
    per_customer = 140  # state arrays, draws and temporaries of the fast engine
    edges = 0 if spec.kind == "complete" else int(n * min(spec.mean_degree, n - 1))
    per_edge = 4 + 4 + 8 * 3  # CSR index and weight, plus the build's temporaries
    return n * per_customer + edges * per_edge
