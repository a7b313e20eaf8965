"""Skeleton topologies: the one table of joints, edges and centre per layout.

The edge lists are mmaction2's own (``mmaction.models.utils.Graph``): we read
them from there instead of writing them a second time, so the adjacency of
MSDA (paper section 2.1) and the bone stream (paper section 3.3: "the vector
difference of adjacent joints directed away from the center of the human
body") are derived from the same table and cannot drift apart.

mmaction2's ``inward`` edges are ``(child, parent)`` pairs where the parent
is one hop closer to the centre joint.
"""
from dataclasses import dataclass
from typing import Dict, Sequence, Tuple, Union

import numpy as np
from mmaction.models.utils.graph import Graph, edge2mat, get_hop_distance

__all__ = ['SkeletonTopology', 'get_topology', 'LAYOUTS']

#: Layouts mmaction2's ``Graph`` knows by name, with their joint count.
LAYOUTS: Dict[str, int] = {'nturgb+d': 25, 'openpose': 18, 'coco': 17}

LayoutType = Union[str, dict, 'SkeletonTopology']


@dataclass(frozen=True)
class SkeletonTopology:
    """Joints, undirected edges, centre joint and bone parents of a layout.

    Attributes:
        name (str): Layout name (``'custom'`` for a user-given dict).
        num_node (int): Number of joints V.
        inward (tuple[tuple[int, int]]): ``(child, parent)`` edges, parent
            nearer the centre.
        center (int): Index of the centre joint.
        parents (np.ndarray): ``(V,)`` int array, ``parents[v]`` is the joint
            the bone of ``v`` starts from; the centre is its own parent.
    """
    name: str
    num_node: int
    inward: Tuple[Tuple[int, int], ...]
    center: int
    parents: np.ndarray

    @property
    def edges(self) -> Tuple[Tuple[int, int], ...]:
        """Undirected skeleton edges (same pairs as ``inward``)."""
        return self.inward

    def adjacency(self) -> np.ndarray:
        """Binary symmetric adjacency without self loops, ``(V, V)``
        (mmaction2's ``edge2mat`` over both directions of every edge)."""
        both = list(self.inward) + [(j, i) for i, j in self.inward]
        return edge2mat(both, self.num_node)

    def hop_distance(self) -> np.ndarray:
        """Shortest-path hop distance ``(V, V)``; ``inf`` if unreachable
        (mmaction2's ``get_hop_distance`` with no hop limit)."""
        return get_hop_distance(
            self.num_node, list(self.inward), max_hop=self.num_node - 1)


def _parents_from_inward(num_node: int, inward: Sequence[Tuple[int, int]],
                         center: int, name: str) -> np.ndarray:
    parents = np.full(num_node, -1, dtype=np.int64)
    parents[center] = center
    for child, parent in inward:
        if parents[child] not in (-1, parent):
            raise ValueError(
                f'layout {name!r}: joint {child} has two parents '
                f'({parents[child]} and {parent}); inward edges must form a '
                f'tree rooted at the centre joint {center}')
        parents[child] = parent
    orphans = np.flatnonzero(parents < 0)
    if orphans.size:
        raise ValueError(f'layout {name!r}: joints {orphans.tolist()} have no '
                         f'inward edge towards the centre joint {center}')
    return parents


def get_topology(layout: LayoutType) -> SkeletonTopology:
    """Return the topology of a named layout or a user-given edge list.

    Args:
        layout (str | dict | SkeletonTopology): ``'nturgb+d'``,
            ``'openpose'``, ``'coco'``, or a dict with ``num_node``,
            ``inward`` (``(child, parent)`` pairs) and ``center``, as
            mmaction2's ``Graph`` accepts.

    Returns:
        SkeletonTopology: The layout's table.
    """
    if isinstance(layout, SkeletonTopology):
        return layout
    if isinstance(layout, str):
        if layout not in LAYOUTS:
            raise ValueError(f'unknown skeleton layout {layout!r}; expected '
                             f'one of {sorted(LAYOUTS)} or a dict with '
                             f'num_node, inward and center')
        name = layout
    elif isinstance(layout, dict):
        missing = {'num_node', 'inward', 'center'} - set(layout)
        if missing:
            raise ValueError(f'custom layout dict lacks {sorted(missing)}')
        name = layout.get('name', 'custom')
        layout = dict(
            num_node=int(layout['num_node']),
            inward=[tuple(map(int, e)) for e in layout['inward']],
            center=int(layout['center']))
    else:
        raise TypeError(f'layout must be a str or dict, got {type(layout)}')
    graph = Graph.__new__(Graph)  # read the table, skip building A
    graph.set_layout(layout)
    inward = tuple((int(i), int(j)) for i, j in graph.inward)
    for i, j in inward:
        if not (0 <= i < graph.num_node and 0 <= j < graph.num_node):
            raise ValueError(f'layout {name!r}: edge {(i, j)} names a joint '
                             f'outside 0..{graph.num_node - 1}')
    parents = _parents_from_inward(graph.num_node, inward, graph.center, name)
    return SkeletonTopology(
        name=name,
        num_node=graph.num_node,
        inward=inward,
        center=int(graph.center),
        parents=parents)
