"""TPA and ATPA: (attention-enhanced) temporal pyramid aggregation.

Paper section 2.2.1, Eq. (4)-(5) (TPA) and section 2.2 / Fig. 1(c) (ATPA =
TPA followed by the MAM of section 2.2.2).
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from mmaction.models.utils.gcn_utils import unit_tcn
from mmaction.utils import OptConfigType, OptMultiConfig
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule, ModuleList, Sequential

from lsta_mm.registry import MODELS
from .utils import (TemporalAvgPool, add_relu, relu_keeping_mask,
                    temporal_shortcut)

__all__ = [
    'TPA', 'ATPA', 'ATTENTION_POSITIONS', 'DEFAULT_NUM_FRAGMENTS',
    'FRAGMENT_ACTIVATIONS', 'TEMPORAL_KERNEL_SIZE'
]

#: S, the number of fragments (Table 6's best).
DEFAULT_NUM_FRAGMENTS = 6
#: The "3 x 1 temporal sub-convolution" of Eq. (4).
TEMPORAL_KERNEL_SIZE = 3
#: Where ATPA's MAM re-weights channels: TPA's branch or its whole output.
ATTENTION_POSITIONS = ('branch', 'output')
#: Where TPA's hierarchy applies the activation (``fragment_act``): nowhere
#: (Eq. 4 as written), after every fragment (Res2Net), or only on what a
#: fragment passes on to the next one.
FRAGMENT_ACTIVATIONS = (False, True, 'carry')


@MODELS.register_module()
class TPA(BaseModule):
    """Temporal pyramid aggregation.

    Paper: section 2.2.1, Eq. (4)-(5).

    A learned 1x1 transform (conv, norm, activation) embeds the input; its
    output is split into S fragments of ``alpha = C' / S`` channels. The
    first fragment goes through a temporal conv, every later fragment
    through a temporal conv of itself plus the previous fragment's output
    (Eq. 4), with the dilation rising with the fragment index, so fragment
    ``s`` sees ``1 + (kernel_size - 1) * sum(dilations[:s])`` frames. The
    fragment outputs are concatenated (Eq. 5), the residual is added and the
    activation applied.

    Choices the paper leaves open, made here:

    * Each fragment's conv is mmaction2's ``unit_tcn`` (conv + norm). Eq.
      (5)'s norm is per channel, so normalising each fragment is the same
      normalisation of the concatenation; it also feeds a normalised carry
      into the next fragment.
    * ``stride > 1``: Eq. (4) needs every fragment at one temporal
      resolution, so the frames are average-pooled in windows of ``stride``
      before the transform (and on the residual path). Every frame still
      contributes, and all convs run on ``ceil(T / stride)`` frames.
    * C' must be divisible by S: the hierarchical sum of Eq. (4) adds
      fragments of equal width (``alpha = floor(C'/S)`` leaves no room for a
      remainder).

    Args:
        in_channels (int): Input channels C.
        out_channels (int): Output channels C'.
        stride (int): Temporal stride. Defaults to 1.
        num_fragments (int): S. Defaults to 6.
        kernel_size (int): Temporal kernel of each fragment conv.
            Defaults to 3.
        dilations (tuple[int], optional): One dilation per fragment.
            Defaults to None, meaning ``(1, 2, ..., S)``.
        residual (bool): Whether to add the residual path. Defaults to True.
        fragment_act (bool or str): Where the hierarchy of Eq. (4) applies
            the activation. ``False``: nowhere, as Eq. (4) is written; the
            pyramid is then one linear temporal filter between the 1x1
            transform's activation and the output's. ``True``: after every
            fragment's conv + norm, as Res2Net (the paper's model for TPA,
            its ref. [7]) does after each of its 3x3 convs:
            ``X_s^temp = act(conv(X_s + X_{s-1}^temp))``; the branch is then
            non-negative. ``'carry'``: only on what fragment ``s - 1``
            passes on, ``X_s^temp = conv(X_s + act(X_{s-1}^temp))``: the
            hierarchy is as deep and non-linear, and the branch keeps the
            sign of a norm's output, as a residual branch that ends with a
            norm does. Defaults to False.
        zero_init_branch (bool): Start the fragments' last norms at zero
            (in :meth:`init_weights`), so that with a residual path the
            module starts as the identity (Goyal et al., 2017). Defaults
            to False.
        norm_cfg (dict, optional): Norm layer. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict, optional): Activation. Defaults to
            ``dict(type='ReLU', inplace=True)``.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.

    Shape:
        x: (N*M, C, T, V) -> (N*M, C', ceil(T / stride), V)
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 num_fragments: int = DEFAULT_NUM_FRAGMENTS,
                 kernel_size: int = TEMPORAL_KERNEL_SIZE,
                 dilations: Optional[Sequence[int]] = None,
                 residual: bool = True,
                 fragment_act: Union[bool, str] = False,
                 zero_init_branch: bool = False,
                 norm_cfg: OptConfigType = None,
                 act_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_fragments < 1 or out_channels % num_fragments:
            raise ValueError(
                f'TPA: out_channels ({out_channels}) must be divisible by '
                f'num_fragments ({num_fragments}); Eq. (4) adds fragments '
                f'of equal width')
        if dilations is None:
            dilations = tuple(range(1, num_fragments + 1))
        dilations = tuple(dilations)
        if len(dilations) != num_fragments or min(dilations) < 1:
            raise ValueError(
                f'TPA: need one positive dilation per fragment '
                f'({num_fragments}), got {dilations}')
        if stride < 1:
            raise ValueError(f'TPA: stride must be >= 1, got {stride}')
        if fragment_act not in FRAGMENT_ACTIVATIONS:
            raise ValueError(
                f'TPA: fragment_act must be one of {FRAGMENT_ACTIVATIONS}, '
                f'got {fragment_act!r}')
        norm_cfg = dict(type='BN') if norm_cfg is None else norm_cfg
        act_cfg = dict(type='ReLU', inplace=True) if act_cfg is None \
            else act_cfg
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.num_fragments = num_fragments
        self.fragment_channels = out_channels // num_fragments
        self.dilations = dilations
        self.zero_init_branch = zero_init_branch
        self.fragment_act = fragment_act

        self.pool: Optional[nn.Module] = None
        if stride > 1:
            self.pool = TemporalAvgPool(stride)
        self.transform = Sequential(
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            build_norm_layer(norm_cfg, out_channels)[1],
            build_activation_layer(act_cfg))
        self.fragments = ModuleList([
            unit_tcn(
                self.fragment_channels,
                self.fragment_channels,
                kernel_size=kernel_size,
                dilation=dilation,
                norm=norm_cfg) for dilation in dilations
        ])
        # the input is already pooled, so the shortcut never strides
        self.residual = temporal_shortcut(
            in_channels, out_channels, 1, norm_cfg) if residual else None
        self.act = build_activation_layer(act_cfg)
        self.fragment_acts: Optional[ModuleList] = None
        if fragment_act == 'carry':
            # the pre-activation output is kept for Eq. (5): not in place;
            # the last fragment passes nothing on
            carry_act_cfg = dict(act_cfg)
            if 'inplace' in carry_act_cfg:
                carry_act_cfg['inplace'] = False
            self.fragment_acts = ModuleList([
                build_activation_layer(carry_act_cfg)
                for _ in dilations[:-1]
            ])
        elif fragment_act:
            self.fragment_acts = ModuleList(
                [build_activation_layer(act_cfg) for _ in dilations])

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then zero the fragments' last norms when
        ``zero_init_branch`` is set (the pyramid starts as the identity)."""
        super().init_weights()
        if self.zero_init_branch:
            for fragment in self.fragments:
                nn.init.zeros_(fragment.bn.weight)

    def pyramid(self, x: torch.Tensor):
        """The two paths of the module before they are summed.

        Args:
            x (torch.Tensor): ``(N*M, C, T, V)``.

        Returns:
            tuple: the pyramid branch ``(N*M, C', T', V)`` (Eq. 4-5) and the
            residual ``(N*M, C', T', V)`` (None without a residual path),
            ``T' = ceil(T / stride)``.
        """
        if self.pool is not None:
            x = self.pool(x)  # (N*M, C, ceil(T / stride), V)
        res = None if self.residual is None else self.residual(x)
        x = self._transform(x)  # (N*M, C', T', V)
        outs = []
        carry = None
        for index, (conv, fragment) in enumerate(
                zip(self.fragments, x.split(self.fragment_channels, dim=1))):
            if carry is not None and self.fragment_act == 'carry':
                # what the previous fragment passes on, rectified
                fragment = self._add_carry(fragment, carry, index - 1)
            elif carry is not None:
                fragment = fragment + carry
            # A channel slice is not dense; small-channel temporal convs are
            # several times faster on dense channels-last input.
            carry = conv(
                fragment.contiguous(memory_format=torch.channels_last))
            if self.fragment_act == 'carry':
                outs.append(carry)  # Eq. (4)
                continue
            if self.fragment_acts is not None:
                carry = self.fragment_acts[index](carry)
            outs.append(carry)  # Eq. (4)
        return torch.cat(outs, dim=1), res  # (N*M, C', T', V), Eq. (5)

    def _transform(self, x: torch.Tensor) -> torch.Tensor:
        """The 1x1 transform, norm and activation; a ReLU through
        :func:`relu_keeping_mask` (same result; the fragments copy or add
        their slices of it, so a mask is all its backward needs to keep)."""
        conv, norm, act = self.transform
        x = norm(conv(x))
        if type(act) is nn.ReLU:
            return relu_keeping_mask(x)
        return act(x)

    def _add_carry(self, fragment: torch.Tensor, carry: torch.Tensor,
                   index: int) -> torch.Tensor:
        """``fragment + act(carry)`` with the activation of fragment
        ``index``; a ReLU through :func:`add_relu` (same result, a boolean
        mask kept for backward instead of the rectified tensor)."""
        act = self.fragment_acts[index]
        if type(act) is nn.ReLU:
            return add_relu(fragment, carry)
        return fragment + act(carry)

    def merge(self, branch: torch.Tensor,
              res: Optional[torch.Tensor]) -> torch.Tensor:
        """Residual sum and activation: ``act(branch + res)``, computed in
        ``branch``'s memory (pass a tensor nothing else reads)."""
        if res is not None:
            branch += res  # the sum's backward does not need its inputs
        return self.act(branch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run the pyramid.

        Args:
            x (torch.Tensor): ``(N*M, C, T, V)``.

        Returns:
            torch.Tensor: ``(N*M, C', ceil(T / stride), V)``.
        """
        return self.merge(*self.pyramid(x))


@MODELS.register_module()
class ATPA(BaseModule):
    """Attention-enhanced temporal pyramid aggregation: TPA, then MAM.

    Paper: section 2.2, Fig. 1(c); TPA is Eq. (4)-(5), MAM Eq. (6)-(7).

    Where MAM's channel weights act (the paper says "TPA followed by MAM"
    and takes MAM from ECA-Net, which re-weights a residual block's branch
    before the identity is added):

    * ``attention_position='branch'`` (default): MAM re-weights TPA's
      pyramid branch, then the residual is added and the activation
      applied, as ECA / SE do in a residual block. The identity path is
      never scaled, so a stack of nine ATPA passes its input on from the
      first step.
    * ``attention_position='output'``: MAM re-weights TPA's whole output,
      residual included (the literal "TPA followed by MAM"). Every gate
      then scales the identity path too; with MAM's random start nine gates
      in a row shrank some channels' signal to about 1 % and the network
      learned markedly slower (docs/model.md, learning benchmark).

    Args:
        in_channels (int): Input channels C.
        out_channels (int): Output channels C'.
        stride (int): Temporal stride. Defaults to 1.
        attention_position (str): ``'branch'`` or ``'output'``, see above.
            Defaults to ``'branch'``.
        mam_cfg (dict, optional): Config of the attention module.
            Defaults to None, meaning ``dict(type='MAM')`` (eta 5,
            dilations 1-3, max pooling).
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.
        **tpa_kwargs: The remaining arguments of :class:`TPA`
            (``num_fragments``, ``kernel_size``, ``dilations``,
            ``residual``, ``fragment_act``, ``zero_init_branch``,
            ``norm_cfg``, ``act_cfg``), passed on unchanged.

    Shape:
        x: (N*M, C, T, V) -> (N*M, C', ceil(T / stride), V)
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 attention_position: str = 'branch',
                 mam_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None,
                 **tpa_kwargs) -> None:
        super().__init__(init_cfg=init_cfg)
        if attention_position not in ATTENTION_POSITIONS:
            raise ValueError(
                f'ATPA: attention_position must be one of '
                f'{ATTENTION_POSITIONS}, got {attention_position!r}')
        self.attention_position = attention_position
        self.tpa = TPA(in_channels, out_channels, stride=stride, **tpa_kwargs)
        mam_cfg = dict(type='MAM') if mam_cfg is None else mam_cfg
        self.mam = MODELS.build(mam_cfg, default_args=dict(type='MAM'))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """TPA with MAM's channel re-weighting on its branch or output.

        Args:
            x (torch.Tensor): ``(N*M, C, T, V)``.

        Returns:
            torch.Tensor: ``(N*M, C', ceil(T / stride), V)``.
        """
        if self.attention_position == 'output':
            return self.mam(self.tpa(x))
        branch, res = self.tpa.pyramid(x)  # (N*M, C', T', V) each
        return self.tpa.merge(self.mam(branch), res)
