"""Deployment: ONNX export checked against torch, and the exported file's
metadata and ONNX Runtime session. onnx and onnxruntime are the optional
``deploy`` extra (``pip install -e .[deploy]``), imported only when a
function needs them. Inference on an exported file is in
:mod:`lsta_mm.apis` (``ONNXRecognizer``, ``OnlineRecognizer``)."""
from .export import (DEFAULT_CHECK_FRAMES, DEFAULT_OPSET, DEFAULT_TOLERANCE,
                     ExportableRecognizer, ExportTemporalAvgPool, ParityError,
                     describe_model, export_onnx, input_shape_of,
                     parity_cases, prepare_for_export, torch_scores)
from .onnx_model import (DEPLOY_HINT, METADATA_KEYS, MissingDeployDependency,
                         create_session, default_num_threads, import_onnx,
                         import_onnxruntime, read_metadata, set_metadata)

__all__ = [
    'DEFAULT_CHECK_FRAMES', 'DEFAULT_OPSET', 'DEFAULT_TOLERANCE',
    'DEPLOY_HINT', 'METADATA_KEYS', 'ExportTemporalAvgPool',
    'ExportableRecognizer', 'MissingDeployDependency', 'ParityError',
    'create_session', 'default_num_threads', 'describe_model', 'export_onnx',
    'import_onnx', 'import_onnxruntime', 'input_shape_of', 'parity_cases',
    'prepare_for_export', 'read_metadata', 'set_metadata', 'torch_scores'
]
