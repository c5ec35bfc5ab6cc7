"""Social networks as sparse adjacency (CSR), built directly for large markets.

``complete`` is never materialised: everyone hears the market average
(mean-field). The others are undirected graphs with the scenario's mean degree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
import scipy.sparse as sp

from cxsim.model.draws import NETWORK_STREAM, market_rng
from cxsim.model.parallel import counting_threads
from cxsim.scenario.schema import Network


@numba.njit(cache=True, nogil=True)
def _neighbour_lists(src, dst, n):  # pragma: no cover
    """Everyone's contacts from the edge lists of markets of ``n`` people (one row of ``src``, ``dst`` each).

    Returns degrees and the concatenated neighbour ids, row by row; market ``r``'s
    people are numbered from ``r * n``. Ties are undirected; self-ties are dropped
    and a pair drawn twice is one tie. Per market, two passes place each tie in its
    row (a counting sort) and a third drops repeats.
    """
    markets, m = src.shape
    degrees = np.zeros(markets * n, np.int32)
    neighbours = np.empty(markets * 2 * m, np.int32)  # (ids fit: memory.check_fits keeps markets far smaller)
    start = np.zeros(n + 1, np.int64)
    fill = np.empty(n, np.int64)
    last_row = np.empty(n, np.int32)  # the row in which each person was last seen as a contact
    kept = 0
    for r in range(markets):
        start[:] = 0
        for e in range(m):
            a, b = src[r, e], dst[r, e]
            if a != b:
                start[a + 1] += 1
                start[b + 1] += 1
        for i in range(n):
            start[i + 1] += start[i]
        fill[:] = start[:-1]
        placed = neighbours[kept:kept + start[n]]  # this market's ties, compacted into place below
        for e in range(m):
            a, b = src[r, e], dst[r, e]
            if a != b:
                placed[fill[a]] = b
                fill[a] += 1
                placed[fill[b]] = a
                fill[b] += 1
        last_row[:] = -1
        offset = r * n
        for i in range(n):
            for k in range(start[i], start[i + 1]):
                j = placed[k]
                if last_row[j] != i:
                    last_row[j] = i
                    neighbours[kept] = j + offset  # kept never passes k: writes stay behind reads
                    kept += 1
                    degrees[offset + i] += 1
    return degrees, neighbours[:kept]


def _csr(degrees: np.ndarray, neighbours: np.ndarray, n: int) -> sp.csr_array:
    """A 0/1 adjacency from degrees and concatenated neighbour ids."""
    indptr = np.zeros(n + 1, dtype=np.int64 if neighbours.size >= 2**31 else np.int32)
    np.cumsum(degrees, out=indptr[1:])
    indices = neighbours.astype(indptr.dtype, copy=False)
    return sp.csr_array((np.ones(indices.size, dtype=np.int8), indices, indptr), shape=(n, n))


def _symmetric_csr(src: np.ndarray, dst: np.ndarray, n: int) -> sp.csr_array:
    """Undirected adjacency of markets of ``n`` people from their edge lists (one row of ``src``, ``dst`` each),
    self-ties dropped, repeated ties kept once; market ``r``'s people are numbered from ``r * n``."""
    return _csr(*_neighbour_lists(src, dst, n), n * src.shape[0])


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


def build_network(spec: Network, n: int, rng: np.random.Generator | Sequence[np.random.Generator],
                  replications: int = 1) -> sp.csr_array | None:
    """The adjacency for a network spec, or ``None`` for the complete graph (mean-field).

    With several replications, each gets its own network and their people follow
    one another (a block-diagonal adjacency).

    Args:
        rng: one generator for all markets, or one generator per market.
    """
    if spec.kind == "complete":
        return None
    rngs = [rng] * replications if isinstance(rng, np.random.Generator) else list(rng)
    parts = [network_edges(spec, n, g) for g in rngs]  # each market draws as many edges
    if len(parts) == 1:  # one market: its lists as one row each, without copying
        return _symmetric_csr(parts[0][0][None, :], parts[0][1][None, :], n)
    return _symmetric_csr(np.stack([p[0] for p in parts]), np.stack([p[1] for p in parts]), n)


_last_built: tuple[tuple, sp.csr_array | None] | None = None


def market_network(spec: Network, n: int, seed: int, first_replication: int = 0,
                   replications: int = 1) -> sp.csr_array | None:
    """The networks of replications ``first_replication`` onward, each drawn from its own market stream.

    Scenarios run with one seed draw the same networks, so the last one built is
    reused: a comparison (or a search over budget splits) builds it once per
    process. The adjacency is shared: treat it as read-only.
    """
    global _last_built
    key = (spec.model_dump_json(), n, seed, first_replication, replications)
    if _last_built is not None and _last_built[0] == key:
        return _last_built[1]
    _last_built = None  # let the old network go before building the next
    rngs = [market_rng(seed, first_replication + r, NETWORK_STREAM) for r in range(replications)]
    adjacency = build_network(spec, n, rngs, replications)
    _last_built = (key, adjacency)
    return adjacency


@numba.njit(cache=True, nogil=True)
def _count_contacts(indptr, indices, voice, counts):  # pragma: no cover
    for i in range(indptr.size - 1):
        for k in range(indptr[i], indptr[i + 1]):
            counts[i, voice[indices[k]]] += 1


@numba.njit(cache=True, nogil=True, parallel=True)
def _move_contacts(indptr, indices, who, old, new, counts, starts):  # pragma: no cover
    """Move the changed people ``who`` from their old voice to their new one in their contacts' counts; market
    ``g``'s people are ``who[starts[g]:starts[g + 1]]`` (ties lie within a market), the markets in parallel."""
    for g in numba.prange(starts.size - 1):
        for m in range(starts[g], starts[g + 1]):
            j = who[m]
            for k in range(indptr[j], indptr[j + 1]):  # ties are symmetric: j's contacts hear j
                i = indices[k]
                counts[i, old[m]] -= 1
                counts[i, new[m]] += 1


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def heard_from_counts(c0, c1, c2, c3, c4, table):  # pragma: no cover
    """Positive and negative WOM per contact from the numbers of contacts speaking with each voice
    (silent, promoter, passive, detractor, quiet)."""
    degree = c0 + c1 + c2 + c3 + c4
    if degree == 0:
        return 0.0, 0.0
    per_contact = 1.0 / degree
    return ((c0 * table[0, 0] + c1 * table[1, 0] + c2 * table[2, 0] + c3 * table[3, 0] + c4 * table[4, 0])
            * per_contact,
            (c0 * table[0, 1] + c1 * table[1, 1] + c2 * table[2, 1] + c3 * table[3, 1] + c4 * table[4, 1])
            * per_contact)


@numba.njit(cache=True, nogil=True)
def _mean_heard(counts, table, who, out_positive, out_negative):  # pragma: no cover
    for m in range(who.size):  # the four voices: silent, promoter, passive, detractor
        i = who[m]
        out_positive[m], out_negative[m] = heard_from_counts(counts[i, 0], counts[i, 1], counts[i, 2],
                                                             counts[i, 3], counts[i, 4], table)


@numba.njit(cache=True, nogil=True)
def market_heard(counts, table):  # pragma: no cover
    """On the complete graph: the WOM everyone in each market hears, (markets, 2)."""
    out = np.empty((counts.shape[0], 2))
    for g in range(counts.shape[0]):
        out[g, 0], out[g, 1] = heard_from_counts(counts[g, 0], counts[g, 1], counts[g, 2], counts[g, 3],
                                                 counts[g, 4], table)
    return out


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
        if n_voices != 5:
            raise ValueError(f"ContactVoices counts the five voices, got {n_voices}")
        self.adjacency = adjacency
        self.n_groups = n_groups
        self.group_size = voice.size // n_groups
        if adjacency is None:
            codes = voice.reshape(n_groups, -1) + (np.arange(n_groups) * n_voices)[:, None]
            self.counts = np.bincount(codes.ravel(), minlength=n_groups * n_voices).reshape(n_groups, n_voices)
        else:
            most = int(np.diff(adjacency.indptr).max(initial=0))  # the most contacts anyone has
            self.counts = np.zeros((voice.size, n_voices), dtype=np.int16 if most < 2**15 else np.int32)
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
            if self.n_groups == 1:
                starts = np.array([0, who.size])
            else:  # each market's people together, so markets run in parallel on their own contacts only
                if np.any(who[1:] < who[:-1]):
                    order = np.argsort(who, kind="stable")
                    who, old, new = who[order], old[order], new[order]
                starts = np.searchsorted(who, np.arange(self.n_groups + 1) * self.group_size)
            with counting_threads(self.counts.shape[0]):
                _move_contacts(self.adjacency.indptr, self.adjacency.indices, who, old, new, self.counts, starts)

    def market_heard(self, table: np.ndarray) -> np.ndarray:
        """On the complete graph: what everyone in each market hears, (markets, 2: positive, negative)."""
        return market_heard(self.counts, table)

    def heard(self, table: np.ndarray, who: np.ndarray | None = None) -> tuple[np.ndarray | float, np.ndarray | float]:
        """Positive and negative WOM heard per contact this week, by everyone or by the people ``who``.

        Args:
            table: WOM sent by each voice (rows: Voice; columns: positive, negative).
            who: the people who listen (all when ``None``).

        Returns:
            Two arrays (one value per listener), or two floats for one complete-graph market.
        """
        if who is None:
            who = np.arange(self.n_groups * self.group_size)
        if self.adjacency is None:
            mean = market_heard(self.counts, table)
            if self.n_groups == 1:
                return float(mean[0, 0]), float(mean[0, 1])
            group = who // self.group_size
            return mean[group, 0], mean[group, 1]
        out_positive, out_negative = np.empty(who.size), np.empty(who.size)
        _mean_heard(self.counts, table, who, out_positive, out_negative)
        return out_positive, out_negative


def estimated_bytes(n: int, spec: Network) -> int:
    """Rough memory a run needs: per-customer state plus the adjacency."""
    per_customer = 140  # state arrays, draws and temporaries of the fast engine
    edges = 0 if spec.kind == "complete" else int(n * min(spec.mean_degree, n - 1))
    per_edge = 4 + 4 + 8 * 3  # CSR index and weight, plus the build's temporaries
    return n * per_customer + edges * per_edge
