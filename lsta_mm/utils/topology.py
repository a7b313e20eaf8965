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
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
from mmaction.models.utils.graph import Graph, edge2mat, get_hop_distance

__all__ = ['SkeletonTopology', 'get_topology', 'LAYOUTS', 'LAYOUT_FACTS']

#: The named layouts: what a layout's edge list does not say (0-based joint
#: numbers of the datasets' documentation). The edges, joint count and
#: centre of a layout mmaction2's ``Graph`` knows come from there; a layout
#: it does not know adds ``num_node``, ``inward`` ((child, parent) pairs,
#: parent nearer the centre) and ``center`` to its entry here, and is then
#: a name like the others everywhere. NTU's Kinect data is 3-D, the
#: OpenPose (Kinetics-Skeleton) and COCO keypoints are 2-D image points.
#: ``spine_axis`` (bottom, top) and ``shoulder_axis`` (right, left) are the
#: joints the 3-D normalisation rotates onto +z and +x (2s-AGCN / MS-G3D's
#: NTU preprocessing); ``top_joint`` is the head end of the body, which
#: pictures draw on top.
LAYOUT_FACTS: Dict[str, dict] = {
    'nturgb+d':
    dict(coord_dims=3, spine_axis=(0, 1), shoulder_axis=(8, 4), top_joint=3),
    'openpose': dict(coord_dims=2, top_joint=0),
    'coco': dict(coord_dims=2, top_joint=0),
    # Halpe-26 (AlphaPose, mmpose's ``halpe26``): COCO-17, then head (17),
    # neck (18), hip (19) and three points of each foot; not in Graph.
    'halpe26': dict(
        num_node=26,
        center=19,
        inward=[(11, 19), (12, 19), (18, 19), (13, 11), (15, 13), (14, 12),
                (16, 14), (20, 15), (22, 15), (24, 15), (21, 16), (23, 16),
                (25, 16), (5, 18), (6, 18), (17, 18), (0, 18), (7, 5),
                (9, 7), (8, 6), (10, 8), (1, 0), (2, 0), (3, 1), (4, 2)],
        coord_dims=2,
        top_joint=17),
}
#: Keys a custom layout dict may carry beyond mmaction2's ``Graph`` ones.
OPTIONAL_FACTS = ('coord_dims', 'spine_axis', 'shoulder_axis', 'top_joint')
#: The keys that define a graph (a custom dict must give them).
GRAPH_KEYS = ('num_node', 'inward', 'center')

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
        coord_dims (int): Coordinates per joint in the data, 3 (x, y, z) or
            2 (x, y image keypoints).
        spine_axis (tuple[int, int] | None): ``(bottom, top)`` joints the 3-D
            normalisation turns onto +z; None: not rotated.
        shoulder_axis (tuple[int, int] | None): ``(right, left)`` joints
            turned onto +x; None: not rotated.
        top_joint (int | None): The head end of the body (pictures).
    """
    name: str
    num_node: int
    inward: Tuple[Tuple[int, int], ...]
    center: int
    parents: np.ndarray
    coord_dims: int = 2
    spine_axis: Optional[Tuple[int, int]] = None
    shoulder_axis: Optional[Tuple[int, int]] = None
    top_joint: Optional[int] = None

    @property
    def in_channels(self) -> int:
        """Channels per joint a stream delivers: x, y, z for 3-D data,
        x, y and the detector's score for 2-D keypoints."""
        return 3 if self.coord_dims == 2 else self.coord_dims

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
            mmaction2's ``Graph`` accepts, plus optionally the facts of
            :data:`OPTIONAL_FACTS` (``coord_dims`` defaults to 2, the
            others to None).

    Returns:
        SkeletonTopology: The layout's table.
    """
    if isinstance(layout, SkeletonTopology):
        return layout
    if isinstance(layout, str):
        if layout not in LAYOUT_FACTS:
            raise ValueError(f'unknown skeleton layout {layout!r}; expected '
                             f'one of {sorted(LAYOUT_FACTS)} or a dict with '
                             f'num_node, inward and center')
        name = layout
        facts = LAYOUT_FACTS[name]
        if all(key in facts for key in GRAPH_KEYS):
            layout = dict(facts, name=name)  # a layout of ours, not Graph's
    if isinstance(layout, dict):
        missing = set(GRAPH_KEYS) - set(layout)
        if missing:
            raise ValueError(f'custom layout dict lacks {sorted(missing)}')
        name = layout.get('name', 'custom')
        facts = {key: layout[key] for key in OPTIONAL_FACTS if key in layout}
        layout = dict(
            num_node=int(layout['num_node']),
            inward=[tuple(map(int, e)) for e in layout['inward']],
            center=int(layout['center']))
    elif not isinstance(layout, str):
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
        parents=parents,
        **_checked_facts(facts, graph.num_node, name))


def _checked_facts(facts: dict, num_node: int, name: str) -> dict:
    """The optional facts of a layout as ints, each joint checked."""
    out = {}
    if 'coord_dims' in facts:
        out['coord_dims'] = int(facts['coord_dims'])
        if out['coord_dims'] not in (2, 3):
            raise ValueError(f'layout {name!r}: coord_dims must be 2 or 3, '
                             f'got {facts["coord_dims"]}')
    for key in ('spine_axis', 'shoulder_axis'):
        if facts.get(key) is not None:
            out[key] = tuple(int(j) for j in facts[key])
            if len(out[key]) != 2:
                raise ValueError(f'layout {name!r}: {key} must be two joints,'
                                 f' got {facts[key]}')
    if facts.get('top_joint') is not None:
        out['top_joint'] = int(facts['top_joint'])
    joints = [j for key in ('spine_axis', 'shoulder_axis')
              for j in out.get(key, ())] + [out.get('top_joint', 0)]
    bad = [j for j in joints if not 0 <= j < num_node]
    if bad:
        raise ValueError(f'layout {name!r}: joints {bad} are outside '
                         f'0..{num_node - 1}')
    return out


#: Joint count of every named layout.
LAYOUTS: Dict[str, int] = {
    name: get_topology(name).num_node
    for name in LAYOUT_FACTS
}
