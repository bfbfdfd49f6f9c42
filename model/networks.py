"""Sparse networks built with numpy: herder social ties and enterprise supply chains.

Both are ``scipy.sparse.csr_array`` adjacency matrices over a population's array index, so a
neighbourhood share is one sparse product: ``(A @ x) / degree``.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


def _csr(rows: np.ndarray, cols: np.ndarray, n: int, symmetric: bool) -> sparse.csr_array:
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    if symmetric:
        rows, cols = np.concatenate([rows, cols]), np.concatenate([cols, rows])
    a = sparse.csr_array((np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=(n, n))
    a.sum_duplicates()
    a.data[:] = 1.0
    if n < 2**31:           # 32-bit indices: less memory traffic in every neighbourhood product
        a = sparse.csr_array((a.data, a.indices.astype(np.int32), a.indptr.astype(np.int32)),
                             shape=a.shape)
    return a


def social_ties(county: np.ndarray, neighbours: int, kin: int, cross_share: float,
                rng: np.random.Generator) -> sparse.csr_array:
    """Undirected ties: ``neighbours`` on a ring of each county's households (random order),
    about ``kin`` random same-county ties each, and one tie to another county for a share."""
    n = county.size
    order = np.lexsort((rng.random(n), county))          # households grouped by county, shuffled
    start = np.searchsorted(county[order], county[order], side="left")
    size = np.bincount(county, minlength=county.max() + 1)[county[order]]
    pos = np.arange(n) - start
    rows, cols = [], []
    for k in range(1, neighbours // 2 + 1):
        ok = size > k
        rows.append(order[ok])
        cols.append(order[start[ok] + (pos[ok] + k) % size[ok]])
    if kin > 0:
        m = n * kin // 2
        src = rng.integers(0, n, m)
        sorted_county = county[order]
        first = np.searchsorted(sorted_county, county[src], side="left")
        span = np.searchsorted(sorted_county, county[src], side="right") - first
        rows.append(src)
        cols.append(order[first + (rng.random(m) * span).astype(np.int64)])
    cross = np.flatnonzero(rng.random(n) < cross_share)
    rows.append(cross)
    cols.append(rng.integers(0, n, cross.size))
    return _csr(np.concatenate(rows), np.concatenate(cols), n, symmetric=True)


def supply_chains(county: np.ndarray, is_lead: np.ndarray, eligible: np.ndarray,
                  supplier_share: float, customers: int, same_county: float,
                  rng: np.random.Generator) -> sparse.csr_array:
    """Directed supplier -> lead-firm ties: row i lists the lead firms that firm i supplies."""
    n = county.size
    leads = np.flatnonzero(is_lead)
    draws = rng.random(n)
    suppliers = np.flatnonzero(eligible & ~is_lead & (draws < supplier_share))
    if leads.size == 0 or suppliers.size == 0:
        return sparse.csr_array((n, n), dtype=np.float32)
    lead_county = county[leads]
    by_county = np.argsort(lead_county, kind="stable")
    sorted_lc = lead_county[by_county]
    src = np.repeat(suppliers, customers)
    local = rng.random(src.size) < same_county
    first = np.searchsorted(sorted_lc, county[src], side="left")
    span = np.searchsorted(sorted_lc, county[src], side="right") - first
    offset = (rng.random(src.size) * span).astype(np.int64)
    pick_local = leads[by_county[np.minimum(first + offset, leads.size - 1)]]
    pick_any = leads[rng.integers(0, leads.size, src.size)]
    dst = np.where(local & (span > 0), pick_local, pick_any)
    return _csr(src, dst, n, symmetric=False)


def neighbour_share(adj: sparse.csr_array, state: np.ndarray, degree: np.ndarray) -> np.ndarray:
    """Share of each node's ties in ``state`` (0 where a node has no ties)."""
    hits = adj @ state.astype(np.float32)
    return np.divide(hits, degree, out=np.zeros_like(hits), where=degree > 0)


def mean_clustering(adj: sparse.csr_array, sample: int = 2000) -> float:
    """Mean local clustering coefficient (Watts-Strogatz) of an undirected network, over at most
    ``sample`` evenly spaced nodes (deterministic, no random draws; nodes with fewer than two ties
    count as 0). Exact when the network has no more nodes than ``sample``."""
    n = adj.shape[0]
    idx = np.unique(np.linspace(0, n - 1, min(n, sample)).astype(np.int64))
    rows = adj[idx]
    triangles = np.asarray((rows @ adj).multiply(rows).sum(axis=1), dtype=float).ravel()
    deg = np.diff(rows.indptr).astype(float)
    pairs = deg * (deg - 1)
    return float(np.divide(triangles, pairs, out=np.zeros_like(pairs), where=pairs > 0).mean())


# Coefficients (a, c, b) of bass_tie_factor, fitted by experiments/bass_network_fit.py (see there
# and ODD §7.4): least squares of the per-tie/population imitation ratio that docks Bass on the
# model's social network with the population-level Bass curve, over the ties' and q's priors.
TIE_FACTOR_COEFFS = (0.4584, 0.8135, 0.0844)


def bass_tie_factor(mean_degree: float, clustering: float, q_per_year: float) -> float:
    """Per-tie imitation rate / population-level q: ``1 + (a + c q) / (mean degree - 1) + b C``.

    A population-level Bass q (FACTS) acts on the share of the whole population that has adopted;
    on a network a household sees only its ties, and among households that have not adopted that
    share lags the population's (the tie that converted a neighbour is spent, and clusters of
    non-adopters see each other), so the same q gives a slower curve. Multiplying q by this factor
    makes the network's curve dock with the population-level one (``tests/model/test_bass_network.py``).
    """
    if mean_degree <= 1.0:
        raise ValueError(f"mean degree {mean_degree!r} of the herders' ties: the network correction "
                         "needs more than one tie per household")
    a, c, b = TIE_FACTOR_COEFFS
    return 1.0 + (a + c * q_per_year) / (mean_degree - 1.0) + b * clustering
