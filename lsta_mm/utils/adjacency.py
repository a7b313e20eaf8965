"""Multi-scale adjacency matrices for MSDA (paper section 2.1, Eq. 1-3).

numpy only; built once when a module is constructed. Three spatial schemes
are provided, one per row of the paper's Table 4:

``'msda'`` (ours, section 2.1.2, Eq. 2)
    The decentralised k-adjacency: entry ``(i, j)`` is 1 where ``i == j`` or
    the hop distance ``d(i, j) == k``, the scale-adaptive value
    ``d(i, j) / k`` where ``0 < d(i, j) < k``, and 0 elsewhere. ``k = 0``
    gives ``I`` and ``k = 1`` gives ``A + I``.
``'ms-gcn'`` (MS-G3D's disentangled aggregation)
    1 only where ``d(i, j) == k``, plus ``I`` (mmaction2's ``k_adjacency``
    with ``with_self=True``).
``'gcn'`` (plain adjacency powers)
    ``(D^-1/2 (A + I) D^-1/2)^k``.

The first two schemes normalise every scale symmetrically,
``D^-1/2 A_k D^-1/2`` with ``D`` the row sums of ``A_k`` (Eq. 1's
normalisation, as in MS-G3D); the powers of the ``'gcn'`` scheme are
products of a normalised matrix and are used as they are. Scales run over
``k = 0 .. K-1``, so ``K = 1`` is the identity for every scheme.

Shapes: a single scale is ``(V, V)``; a multi-scale stack is ``(K, V, V)``.
"""
from typing import Union

import numpy as np
from mmaction.models.utils.graph import k_adjacency

from .topology import SkeletonTopology, get_topology

__all__ = [
    'SPATIAL_SCHEMES', 'normalize_symmetric', 'decentralised_adjacency',
    'disentangled_adjacency', 'adjacency_power', 'multiscale_adjacency'
]

#: Spatial aggregation schemes of Table 4, by the name a config uses.
SPATIAL_SCHEMES = ('msda', 'ms-gcn', 'gcn')


def normalize_symmetric(adj: np.ndarray) -> np.ndarray:
    """Symmetric degree normalisation ``D^-1/2 A D^-1/2``.

    Args:
        adj (np.ndarray): ``(V, V)`` non-negative matrix; ``D`` holds its row
            sums. A row without any weight stays zero instead of dividing
            by zero.

    Returns:
        np.ndarray: ``(V, V)`` float64 normalised matrix.
    """
    adj = np.asarray(adj, dtype=np.float64)
    if adj.ndim != 2 or adj.shape[0] != adj.shape[1]:
        raise ValueError(f'adjacency must be a square (V, V) matrix, got '
                         f'shape {adj.shape}')
    if (adj < 0).any():
        raise ValueError('adjacency must be non-negative')
    degree = adj.sum(axis=1)
    inv_sqrt = np.zeros_like(degree)
    np.power(degree, -0.5, out=inv_sqrt, where=degree > 0)
    return inv_sqrt[:, None] * adj * inv_sqrt[None, :]


def decentralised_adjacency(hop: np.ndarray, k: int) -> np.ndarray:
    """MSDA's k-adjacency before normalisation (section 2.1.2, Eq. 2).

    Args:
        hop (np.ndarray): ``(V, V)`` shortest-path hop distances; ``inf``
            for joints that are not connected.
        k (int): Scale, ``k >= 0``.

    Returns:
        np.ndarray: ``(V, V)`` float64 matrix with 1 on the diagonal and
        where ``d(i, j) == k``, ``d(i, j) / k`` where ``0 < d(i, j) < k``,
        0 elsewhere.
    """
    if k < 0:
        raise ValueError(f'scale k must be >= 0, got {k}')
    hop = np.asarray(hop, dtype=np.float64)
    adj = np.eye(len(hop))
    if k == 0:
        return adj
    adj[hop == k] = 1.
    near = (hop > 0) & (hop < k)
    adj[near] = hop[near] / k  # Eq. (2), scale-adaptive value d(i, j)/k
    return adj


def disentangled_adjacency(binary: np.ndarray, k: int) -> np.ndarray:
    """MS-G3D's disentangled k-adjacency ``I + 1(d(i, j) == k)``.

    Args:
        binary (np.ndarray): ``(V, V)`` 0/1 skeleton adjacency without
            self loops.
        k (int): Scale, ``k >= 0``.

    Returns:
        np.ndarray: ``(V, V)`` float64 0/1 matrix (``I`` for ``k = 0``).
    """
    if k < 0:
        raise ValueError(f'scale k must be >= 0, got {k}')
    # mmaction2's helper: 1 where exactly k hops, plus the self loop.
    return k_adjacency(np.asarray(binary, np.float64), k, with_self=True)


def adjacency_power(binary: np.ndarray, k: int) -> np.ndarray:
    """Plain k-th power of the normalised ``A + I`` (Table 4, "GCN").

    Args:
        binary (np.ndarray): ``(V, V)`` 0/1 skeleton adjacency without
            self loops.
        k (int): Power, ``k >= 0``.

    Returns:
        np.ndarray: ``(V, V)`` float64 ``(D^-1/2 (A + I) D^-1/2)^k``.
    """
    if k < 0:
        raise ValueError(f'power k must be >= 0, got {k}')
    binary = np.asarray(binary, np.float64)
    norm = normalize_symmetric(binary + np.eye(len(binary)))
    return np.linalg.matrix_power(norm, k)


def multiscale_adjacency(layout: Union[str, dict, SkeletonTopology],
                         num_scales: int,
                         scheme: str = 'msda') -> np.ndarray:
    """Stack of the K normalised scale matrices used by one MSDA module.

    Args:
        layout (str | dict | SkeletonTopology): Anything
            :func:`lsta_mm.utils.get_topology` accepts: ``'nturgb+d'``,
            ``'openpose'``, ``'coco'`` or a dict with ``num_node``,
            ``inward`` and ``center``.
        num_scales (int): K, the number of scales ``k = 0 .. K-1``.
        scheme (str): One of :data:`SPATIAL_SCHEMES`. Defaults to
            ``'msda'``.

    Returns:
        np.ndarray: ``(K, V, V)`` float32 stack; every slice is symmetric
        and finite.
    """
    if scheme not in SPATIAL_SCHEMES:
        raise ValueError(f'unknown spatial scheme {scheme!r}; expected one '
                         f'of {SPATIAL_SCHEMES}')
    if int(num_scales) != num_scales or num_scales < 1:
        raise ValueError(f'num_scales must be a positive integer, got '
                         f'{num_scales!r}')
    topology = get_topology(layout)
    binary = topology.adjacency()
    if scheme == 'msda':
        hop = topology.hop_distance()
        scales = [
            normalize_symmetric(decentralised_adjacency(hop, k))
            for k in range(num_scales)
        ]
    elif scheme == 'ms-gcn':
        scales = [
            normalize_symmetric(disentangled_adjacency(binary, k))
            for k in range(num_scales)
        ]
    else:
        scales = [adjacency_power(binary, k) for k in range(num_scales)]
    return np.stack(scales).astype(np.float32)
