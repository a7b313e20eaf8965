"""The exported ONNX file: optional imports, metadata, runtime session.

onnx and onnxruntime are an optional extra (``pip install -e .[deploy]``);
they are imported only here, when a function needs them, and their absence
is one :class:`MissingDeployDependency` with the install command.

An exported file carries what inference needs besides the graph, as ONNX
``metadata_props`` (string pairs; every value here is JSON):

==================== ====================================================
key                  value
==================== ====================================================
``input_layout``     ``"N, num_clips, M, T, V, C"`` (``S`` after
                     ``num_clips`` for a multi-stream model)
``input_shape``      the shape the test pipeline gives one sample, with
                     ``null`` for the dynamic axes (batch, clips, frames)
``output``           ``"probabilities"`` (``GCNHead``'s
                     ``average_clips='prob'``), else ``"scores"``; for
                     several streams their weighted sum (the fusion)
``layout``           the skeleton layout (name or custom dict)
``streams``          the input streams, e.g. ``["joint"]``
``clip_len``         T of the test pipeline
``num_person``,      M, V and C of the input
``num_joints``,
``in_channels``
``num_classes``      number of classes
``class_names``      list of names, or ``null``
``test_pipeline``    the config's test pipeline (run unchanged before
                     the session)
``default_scope``    the registry scope of that pipeline
``parity``           max abs difference to torch found at export, and
                     the inputs it was checked on
``source``           config, checkpoint, lsta_mm version, opset
==================== ====================================================
"""
import json
import os
from typing import Any, Dict, Optional, Sequence, Union

__all__ = [
    'DEPLOY_HINT', 'MissingDeployDependency', 'METADATA_KEYS',
    'import_onnx', 'import_onnxruntime', 'read_metadata', 'set_metadata',
    'create_session', 'default_num_threads'
]

#: The command that installs the optional extra.
DEPLOY_HINT = 'pip install -e .[deploy]'
#: The metadata an exported file must carry (see the module docstring).
METADATA_KEYS = ('input_layout', 'input_shape', 'output', 'layout',
                 'streams', 'clip_len', 'num_person', 'num_joints',
                 'in_channels', 'num_classes', 'class_names', 'test_pipeline',
                 'default_scope', 'parity', 'source')


class MissingDeployDependency(ImportError):
    """onnx or onnxruntime is not installed."""


def _import(name: str):
    try:
        return __import__(name)
    except ImportError:
        raise MissingDeployDependency(
            f'{name} is not installed; the deployment tools need onnx and '
            f'onnxruntime: {DEPLOY_HINT}') from None


def import_onnx():
    """The ``onnx`` module, or :class:`MissingDeployDependency`."""
    return _import('onnx')


def import_onnxruntime():
    """The ``onnxruntime`` module, or :class:`MissingDeployDependency`."""
    return _import('onnxruntime')


def set_metadata(model_proto, metadata: Dict[str, Any]) -> None:
    """Store ``metadata`` in ``model_proto.metadata_props`` (values as
    JSON), replacing entries of the same keys."""
    keep = [p for p in model_proto.metadata_props if p.key not in metadata]
    del model_proto.metadata_props[:]
    model_proto.metadata_props.extend(keep)
    for key, value in metadata.items():
        entry = model_proto.metadata_props.add()
        entry.key = key
        entry.value = json.dumps(value)


def read_metadata(source) -> Dict[str, Any]:
    """The metadata of an exported model.

    Args:
        source: An ``onnxruntime.InferenceSession``, an ``onnx``
            ``ModelProto`` or the path of an ``.onnx`` file.

    Returns:
        dict: Key -> decoded JSON value.

    Raises:
        ValueError: The file was not written by lsta_mm's exporter
            (a metadata key is missing).
    """
    if isinstance(source, (str, os.PathLike)):
        source = create_session(os.fspath(source), num_threads=1)
    if hasattr(source, 'get_modelmeta'):  # an InferenceSession
        props = source.get_modelmeta().custom_metadata_map
    else:
        props = {p.key: p.value for p in source.metadata_props}
    missing = [key for key in METADATA_KEYS if key not in props]
    if missing:
        raise ValueError(
            f'the ONNX model lacks the metadata {", ".join(missing)}: export '
            f'it with tools/deployment/export_onnx.py')
    return {key: json.loads(value) for key, value in props.items()}


def default_num_threads() -> int:
    """ONNX Runtime threads: ``OMP_NUM_THREADS`` when set (ONNX Runtime does
    not read it itself), else 0 (its default: one per core)."""
    value = os.environ.get('OMP_NUM_THREADS', '')
    return int(value) if value.isdigit() else 0


def create_session(model: Union[str, bytes],
                   num_threads: Optional[int] = None,
                   providers: Optional[Sequence[str]] = None):
    """An ``onnxruntime.InferenceSession`` on the CPU (or ``providers``).

    Args:
        model (str | bytes): Path of an ``.onnx`` file or its bytes.
        num_threads (int, optional): Intra-op threads; None:
            :func:`default_num_threads`.
        providers (list[str], optional): Execution providers. Defaults to
            ``['CPUExecutionProvider']``.
    """
    ort = import_onnxruntime()
    if isinstance(model, str) and not os.path.isfile(model):
        raise FileNotFoundError(f'ONNX model {model} does not exist')
    options = ort.SessionOptions()
    options.intra_op_num_threads = (
        default_num_threads() if num_threads is None else num_threads)
    options.inter_op_num_threads = 1
    options.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
    try:
        return ort.InferenceSession(
            model,
            sess_options=options,
            providers=list(providers or ['CPUExecutionProvider']))
    except Exception as err:  # onnxruntime raises its own Fail/InvalidGraph
        name = model if isinstance(model, str) else '<in-memory model>'
        first = str(err).strip().splitlines()[0] if str(err).strip() else ''
        raise ValueError(f'{name} is not a loadable ONNX model: '
                         f'{type(err).__name__}: {first}') from None
