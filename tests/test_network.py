"""Social networks: the shape each kind promises, and contacts' voices kept exact as they change."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from cxsim.model.network import ContactVoices, build_network
from cxsim.scenario.schema import Network


@pytest.mark.parametrize("kind", ["random", "small_world", "scale_free"])
def test_networks_are_simple_undirected_graphs_with_the_mean_degree(kind):
    n = 20_000
    adj = build_network(Network(kind=kind, mean_degree=10), n, np.random.default_rng(1))
    assert adj.shape == (n, n)
    assert (adj != adj.T).nnz == 0  # undirected
    assert adj.diagonal().sum() == 0  # no self-ties
    assert adj.data.max() == 1.0  # no repeated ties
    degree = np.diff(adj.indptr)
    assert abs(degree.mean() - 10) < 0.5
    if kind == "scale_free":
        assert degree.max() > 20 * degree.mean()  # hubs: a heavy tail
    if kind == "small_world":
        assert degree.min() >= 5  # everyone keeps most of their ring


def test_csr_matches_a_reference_build():
    rng = np.random.default_rng(4)
    n = 500
    src, dst = rng.integers(0, n, 3000), rng.integers(0, n, 3000)
    from cxsim.model.network import _symmetric_csr

    ours = _symmetric_csr(src[None, :], dst[None, :], n)  # one market
    keep = src != dst
    ref = sp.coo_array((np.ones(keep.sum() * 2), (np.r_[src[keep], dst[keep]], np.r_[dst[keep], src[keep]])),
                       shape=(n, n)).tocsr()
    ref.data[:] = 1.0
    assert (ours != ref).nnz == 0


def test_replications_get_separate_networks():
    adj = build_network(Network(kind="random", mean_degree=6), 1000, np.random.default_rng(2), replications=3)
    rows, cols = adj.nonzero()
    assert np.all(rows // 1000 == cols // 1000)  # nobody knows anyone in another replication's market


@pytest.mark.parametrize("kind", ["complete", "random"])
def test_contact_voices_stay_exact_under_updates(kind):
    rng = np.random.default_rng(3)
    n, groups = 3000, 2
    adj = build_network(Network(kind=kind, mean_degree=8), n // groups, rng, replications=groups)
    voice = rng.integers(0, 5, n).astype(np.int8)
    contacts = ContactVoices(adj, voice, 5, groups)
    for _ in range(5):
        who = rng.choice(n, 300, replace=False)
        new = rng.integers(0, 5, who.size).astype(np.int8)
        contacts.update(who, voice[who], new)
        voice[who] = new
    fresh = ContactVoices(adj, voice, 5, groups)
    np.testing.assert_array_equal(contacts.counts, fresh.counts)
    table = np.array([[0, 0], [1.0, 0], [0.2, 0], [0, 1.5], [0, 0]])  # silent, promoter, passive, detractor, quiet
    pos, neg = contacts.heard(table)
    talk = table[voice]
    if adj is not None:
        degree = np.diff(adj.indptr)
        alone = degree == 0  # nobody to hear: nothing heard
        np.testing.assert_allclose(pos, np.where(alone, 0.0, (adj @ talk[:, 0]) / np.maximum(degree, 1)))
        np.testing.assert_allclose(neg, np.where(alone, 0.0, (adj @ talk[:, 1]) / np.maximum(degree, 1)))
    else:
        market_mean = talk.reshape(groups, -1, 2).mean(axis=1)
        np.testing.assert_allclose(pos, np.repeat(market_mean[:, 0], n // groups))
        np.testing.assert_allclose(neg, np.repeat(market_mean[:, 1], n // groups))


def test_a_network_drawn_again_is_shared_and_each_replication_has_its_own_stream():
    from cxsim.model.draws import NETWORK_STREAM, market_rng
    from cxsim.model.network import market_network

    spec = Network(kind="small_world", mean_degree=6)
    first = market_network(spec, 2000, 9, first_replication=0, replications=2)
    second = market_network(spec, 2000, 9, first_replication=0, replications=2)
    assert second is first  # built once
    fresh = build_network(spec, 2000, [market_rng(9, r, NETWORK_STREAM) for r in range(2)], replications=2)
    assert (second != fresh).nnz == 0
    # replication 1 is the same market whether it is built alone or beside replication 0
    alone = market_network(spec, 2000, 9, first_replication=1, replications=1)
    assert (alone != first[2000:, 2000:]).nnz == 0
    other = market_network(spec, 2000, 10, replications=2)
    assert other is not first and (other != first).nnz > 0  # another seed, another network
