"""High-level Python API: inference on one skeleton sequence (torch, or an
exported ONNX file with ONNX Runtime), online recognition of a live stream,
the paper's Figure 3 (joint and frame importance)."""
from .inference import (inference_skeleton_array, init_recognizer,
                        load_skeleton_input, make_skeleton_sample,
                        recognize_skeleton, top_k_labels)
from .onnx_inference import (ONNXRecognizer, init_onnx_recognizer,
                             pipeline_inputs)
from .online import OnlineRecognizer, OnlineResult
from .visualization import (draw_frame_importance, draw_joint_importance,
                            feature_importance)

__all__ = [
    'ONNXRecognizer', 'OnlineRecognizer', 'OnlineResult',
    'init_onnx_recognizer', 'pipeline_inputs',
    'draw_frame_importance', 'draw_joint_importance', 'feature_importance',
    'inference_skeleton_array', 'init_recognizer', 'load_skeleton_input',
    'make_skeleton_sample', 'recognize_skeleton', 'top_k_labels'
]
