from .adjacency import (SPATIAL_SCHEMES, adjacency_power,
                        decentralised_adjacency, disentangled_adjacency,
                        multiscale_adjacency, normalize_symmetric)
from .topology import LAYOUTS, SkeletonTopology, get_topology

__all__ = [
    'LAYOUTS', 'SkeletonTopology', 'get_topology', 'SPATIAL_SCHEMES',
    'adjacency_power', 'decentralised_adjacency', 'disentangled_adjacency',
    'multiscale_adjacency', 'normalize_symmetric'
]
