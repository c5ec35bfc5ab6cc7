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


Edges = tuple[np.ndarray, np.ndarray]


def random_edges(n: int, mean_degree: float, rng: np.random.Generator) -> Edges:
    """Erdős–Rényi G(n, m) with m = n * k / 2 edges."""
    m = int(round(n * mean_degree / 2))
    return rng.integers(0, n, m), rng.integers(0, n, m)


def small_world_edges(n: int, mean_degree: float, rewire: float, rng: np.random.Generator) -> Edges:
    """Watts–Strogatz: a ring where each person knows k/2 neighbours each side, ties rewired at random."""
    half = max(1, int(round(mean_degree / 2)))
    src = np.repeat(np.arange(n), half)
    dst = (src + np.tile(np.arange(1, half + 1), n)) % n
    rewired = rng.random(src.size) < rewire
    dst = dst.copy()
    dst[rewired] = rng.integers(0, n, int(rewired.sum()))
    return src, dst


def scale_free_edges(n: int, mean_degree: float, exponent: float, rng: np.random.Generator) -> Edges:
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
    return order[np.minimum(src, n - 1)], order[np.minimum(dst, n - 1)]


def network_edges(spec: Network, n: int, rng: np.random.Generator) -> Edges:
    """Edge lists of one market's network (not the complete graph)."""
    k = min(spec.mean_degree, n - 1)
    if spec.kind == "random":
        return random_edges(n, k, rng)
    if spec.kind == "small_world":
        return small_world_edges(n, k, spec.rewire_probability, rng)
    if spec.kind == "scale_free":
        return scale_free_edges(n, k, spec.degree_exponent, rng)
    raise ValueError(f"no edge list for network kind {spec.kind!r}")


def build_network(spec: Network, n: int, rng: np.random.Generator, replications: int = 1) -> sp.csr_array | None:
    """The adjacency for a network spec, or ``None`` for the complete graph (mean-field).

    With several replications, each gets its own network and their people follow
    one another (a block-diagonal adjacency).
    """
    if spec.kind == "complete":
        return None
    parts = [network_edges(spec, n, rng) for _ in range(replications)]
    src = np.concatenate([p[0] + r * n for r, p in enumerate(parts)])
    dst = np.concatenate([p[1] + r * n for r, p in enumerate(parts)])
    return _symmetric_csr(src, dst, n * replications)


@numba.njit(cache=True, nogil=True)
def _count_contacts(indptr, indices, voice, counts):  # pragma: no cover
    for i in range(indptr.size - 1):
        for k in range(indptr[i], indptr[i + 1]):
            counts[i, voice[indices[k]]] += 1


@numba.njit(cache=True, nogil=True)
def _move_contacts(indptr, indices, who, old, new, counts):  # pragma: no cover
    for m in range(who.size):
        j = who[m]
        for k in range(indptr[j], indptr[j + 1]):  # ties are symmetric: j's contacts hear j
            i = indices[k]
            counts[i, old[m]] -= 1
            counts[i, new[m]] += 1


@numba.njit(cache=True, nogil=True)
def _mean_heard(counts, table, out_positive, out_negative):  # pragma: no cover
    for i in range(counts.shape[0]):
        degree = 0
        pos = 0.0
        neg = 0.0
        for v in range(counts.shape[1]):
            c = counts[i, v]
            degree += c
            pos += c * table[v, 0]
            neg += c * table[v, 1]
        out_positive[i] = pos / degree if degree else 0.0
        out_negative[i] = neg / degree if degree else 0.0


class ContactVoices:
    """How many of each person's contacts speak with each voice, kept current as voices change.

    Word-of-mouth heard is the mean, over a person's contacts, of what each
    sends (a row of the talk table per voice). Counting contacts by voice makes
    that exact in integers, and a week's update touches only the contacts of
    people whose voice changed. On the complete graph (``adjacency`` None) the
    count is kept per market: everyone hears their market's average.

    Args:
        adjacency: the network, ``None`` for the complete graph.
        voice: each person's Voice code.
        n_voices: number of Voice codes.
        n_groups: markets (replications) sharing the arrays as consecutive equal blocks.
    """

    def __init__(self, adjacency: sp.csr_array | None, voice: np.ndarray, n_voices: int, n_groups: int = 1) -> None:
        self.adjacency = adjacency
        self.n_groups = n_groups
        self.group_size = voice.size // n_groups
        if adjacency is None:
            codes = voice.reshape(n_groups, -1) + (np.arange(n_groups) * n_voices)[:, None]
            self.counts = np.bincount(codes.ravel(), minlength=n_groups * n_voices).reshape(n_groups, n_voices)
        else:
            self.counts = np.zeros((voice.size, n_voices), dtype=np.int32)
            _count_contacts(adjacency.indptr, adjacency.indices, voice, self.counts)

    def update(self, who: np.ndarray, old: np.ndarray, new: np.ndarray) -> None:
        """People ``who`` changed voice from ``old`` to ``new``."""
        changed = old != new
        who, old, new = who[changed], old[changed], new[changed]
        if not who.size:
            return
        if self.adjacency is None:
            group = who // self.group_size
            np.add.at(self.counts, (group, old), -1)
            np.add.at(self.counts, (group, new), 1)
        else:
            _move_contacts(self.adjacency.indptr, self.adjacency.indices, who.astype(np.int64),
                           old.astype(np.int64), new.astype(np.int64), self.counts)

    def heard(self, table: np.ndarray) -> tuple[np.ndarray | float, np.ndarray | float]:
        """Positive and negative WOM each person hears per contact this week.

        Args:
            table: WOM sent by each voice (rows: Voice; columns: positive, negative).

        Returns:
            Two arrays (one value per person), or two floats for one complete-graph market.
        """
        if self.adjacency is None:
            mean = self.counts @ table / self.group_size
            if self.n_groups == 1:
                return float(mean[0, 0]), float(mean[0, 1])
            return np.repeat(mean[:, 0], self.group_size), np.repeat(mean[:, 1], self.group_size)
        out_positive, out_negative = np.empty(self.counts.shape[0]), np.empty(self.counts.shape[0])
        _mean_heard(self.counts, table, out_positive, out_negative)
        return out_positive, out_negative


def estimated_bytes(n: int, spec: Network) -> int:
    """Rough memory a run needs: per-customer state plus the adjacency."""
    per_customer = 140  # state arrays, draws and temporaries of the fast engine
    edges = 0 if spec.kind == "complete" else int(n * min(spec.mean_degree, n - 1))
    per_edge = 4 + 4 + 8 * 3  # CSR index and weight, plus the build's temporaries
    return n * per_customer + edges * per_edge
