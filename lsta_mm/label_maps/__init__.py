"""Class-name lists shipped with lsta_mm (one official name per line).

``ntu60.txt`` and ``ntu120.txt`` hold the NTU RGB+D action names (A001 to
A060 / A120, label = action number - 1); ``kinetics400.txt`` holds the
Kinetics-400 classes in their usual alphabetical label order.
"""
import os.path as osp
from typing import List, Optional

__all__ = ['LABEL_MAPS', 'load_label_map', 'default_label_map']

_HERE = osp.dirname(osp.abspath(__file__))

#: Shipped label maps: name -> file.
LABEL_MAPS = {
    'ntu60': osp.join(_HERE, 'ntu60.txt'),
    'ntu120': osp.join(_HERE, 'ntu120.txt'),
    'kinetics400': osp.join(_HERE, 'kinetics400.txt'),
}

_BY_NUM_CLASSES = {60: 'ntu60', 120: 'ntu120', 400: 'kinetics400'}


def load_label_map(name_or_path: str) -> List[str]:
    """Class names of a shipped map (``'ntu60'``, ``'ntu120'``,
    ``'kinetics400'``) or of a text file with one name per line."""
    path = LABEL_MAPS.get(name_or_path, name_or_path)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'label map {name_or_path!r} is neither one of '
            f'{sorted(LABEL_MAPS)} nor an existing text file')
    with open(path, encoding='utf-8') as handle:
        names = [line.strip() for line in handle]
    while names and not names[-1]:
        names.pop()
    if not names or any(not name for name in names):
        raise ValueError(f'label map {path} has empty lines; expected one '
                         f'class name per line')
    return names


def default_label_map(num_classes: int) -> Optional[str]:
    """The shipped map with ``num_classes`` names, or None."""
    return _BY_NUM_CLASSES.get(int(num_classes))
