"""High-level Python API: inference on one skeleton sequence, Figure 3."""
from .inference import (inference_skeleton_array, init_recognizer,
                        load_skeleton_input, make_skeleton_sample,
                        recognize_skeleton, top_k_labels)

__all__ = [
    'inference_skeleton_array', 'init_recognizer', 'load_skeleton_input',
    'make_skeleton_sample', 'recognize_skeleton', 'top_k_labels'
]
