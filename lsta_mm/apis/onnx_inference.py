"""Inference on an exported ONNX file with ONNX Runtime.

:class:`ONNXRecognizer` is the ONNX counterpart of the model that
:func:`~lsta_mm.apis.init_recognizer` returns: the functions of
:mod:`lsta_mm.apis.inference` (``inference_skeleton_array``,
``recognize_skeleton``, ``check_input_fits_model``) accept either. A
sequence goes through the test pipeline stored in the file's metadata (the
config's own, composed from the same registered transforms), so the scores
equal the torch model's for the same sequence up to the export's checked
difference. onnxruntime is imported only when a file is opened.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmaction.structures import ActionDataSample
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import lsta_mm  # noqa: F401  (registers the pipeline's transforms)
from lsta_mm.deployment.onnx_model import create_session, read_metadata

__all__ = ['ONNXRecognizer', 'init_onnx_recognizer', 'pipeline_inputs']


def pipeline_inputs(test_pipeline: Sequence[dict],
                    keypoint: np.ndarray,
                    keypoint_score: Optional[np.ndarray] = None,
                    frame_dir: str = 'input',
                    img_shape: Optional[Tuple[int, int]] = None,
                    default_scope: str = 'mmaction') -> np.ndarray:
    """The network input of one sequence: ``test_pipeline`` applied to
    :func:`~lsta_mm.apis.inference.make_skeleton_sample`.

    Args:
        test_pipeline (list[dict]): A config's test pipeline.
        keypoint (np.ndarray): ``(M, T, V, C)`` or ``(T, V, C)``.
        keypoint_score (np.ndarray, optional): ``(M, T, V)``.

    Returns:
        np.ndarray: ``(num_clips, [S,] M', T', V, C')`` float32, what
        ``PackActionInputs`` packs as ``inputs``.
    """
    from .inference import make_skeleton_sample
    init_default_scope(default_scope)
    sample = make_skeleton_sample(keypoint, keypoint_score, frame_dir,
                                  img_shape)
    data = Compose(list(test_pipeline))(sample)
    return np.ascontiguousarray(data['inputs'].numpy(), dtype=np.float32)


class ONNXRecognizer:
    """An exported recognizer in an ONNX Runtime session.

    Args:
        onnx_file (str): A file written by ``tools/deployment/
            export_onnx.py`` (:func:`lsta_mm.deployment.export_onnx`).
        num_threads (int, optional): Intra-op threads; None:
            ``OMP_NUM_THREADS`` when set, else one per core.
        providers (list[str], optional): ONNX Runtime execution providers.
            Defaults to ``['CPUExecutionProvider']``.

    Attributes:
        metadata (dict): The file's metadata
            (:mod:`lsta_mm.deployment.onnx_model`).
        test_pipeline (list[dict]): The config's test pipeline.
        num_classes (int), class_names (list[str] | None),
        streams (list[str]), clip_len (int), num_person (int),
        num_joints (int), in_channels (int): From the metadata.

    Shape:
        ``__call__``: (N, num_clips, [S,] M, T, V, C) float32 ->
        (N, num_classes) scores (probabilities for ``GCNHead``).
    """

    def __init__(self,
                 onnx_file: str,
                 num_threads: Optional[int] = None,
                 providers: Optional[Sequence[str]] = None) -> None:
        if not osp.isfile(onnx_file):
            raise FileNotFoundError(f'ONNX model {onnx_file} does not exist')
        self.onnx_file = onnx_file
        self.session = create_session(onnx_file, num_threads, providers)
        self.metadata: Dict = read_metadata(self.session)
        self.input_name = self.session.get_inputs()[0].name
        self.test_pipeline: List[dict] = self.metadata['test_pipeline']
        for key in ('num_classes', 'class_names', 'streams', 'clip_len',
                    'num_person', 'num_joints', 'in_channels', 'layout'):
            setattr(self, key, self.metadata[key])

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        """Scores ``(N, num_classes)`` of a batch of pipeline outputs."""
        inputs = np.ascontiguousarray(inputs, dtype=np.float32)
        return self.session.run(None, {self.input_name: inputs})[0]

    def inference(self,
                  sample: Dict,
                  test_pipeline: Optional[Sequence[dict]] = None
                  ) -> ActionDataSample:
        """Run one sample dict (:func:`~lsta_mm.apis.inference.
        make_skeleton_sample`) through the pipeline and the session.

        Returns:
            ActionDataSample: ``pred_score`` ``(num_classes,)`` and
            ``pred_label``, as the torch model's ``test_step`` gives.
        """
        init_default_scope(self.metadata.get('default_scope', 'mmaction'))
        data = Compose(list(test_pipeline or self.test_pipeline))(sample)
        inputs = data['inputs'].numpy()[None]  # (1, num_clips, ...)
        scores = torch.from_numpy(self(inputs)[0])
        result = data['data_samples']
        result.set_pred_score(scores)
        result.set_pred_label(scores.argmax(dim=-1, keepdim=True))
        return result

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}({self.onnx_file!r}, streams='
                f'{self.streams}, clip_len={self.clip_len}, '
                f'num_classes={self.num_classes})')


def init_onnx_recognizer(onnx_file: str,
                         num_threads: Optional[int] = None,
                         device: str = 'cpu') -> ONNXRecognizer:
    """:class:`ONNXRecognizer` of ``onnx_file`` on ``device`` (``'cpu'``,
    or ``'cuda[:i]'`` where onnxruntime has the CUDA provider)."""
    providers = ['CPUExecutionProvider']
    if device.startswith('cuda'):
        providers.insert(0, 'CUDAExecutionProvider')
    return ONNXRecognizer(onnx_file, num_threads, providers)
