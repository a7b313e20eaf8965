from .topology import LAYOUTS, SkeletonTopology, get_topology

__all__ = ['LAYOUTS', 'SkeletonTopology', 'get_topology']
