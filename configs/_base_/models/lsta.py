# LSTA-Net (paper section 2 and 3.2) for NTU RGB+D 60 joints: mmaction2's
# RecognizerGCN with the LSTANet backbone and mmaction2's GCNHead (global
# average pool over T and V, mean over persons, linear classifier).
# Every paper hyper-parameter is stated here (docs/model.md lists them all):
# three LSTA blocks of 72/144/288 channels with temporal strides 1/2/2; each
# block is one MSDA (K = 8 scales) and three ATPA (S = 6 fragments, MAM with
# kernel eta = 5, dilations 1-3, max pooling). TPA's per-fragment dilations
# default to 1..S; its hierarchy is non-linear (fragment_act='carry').
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='LSTANet',
        graph_cfg=dict(layout='nturgb+d'),
        in_channels=3,
        num_person=2,
        stage_channels=(72, 144, 288),
        stage_strides=(1, 2, 2),
        spatial_cfg=dict(type='MSDA', num_scales=8, scheme='msda'),
        temporal_cfg=dict(
            type='ATPA',
            num_fragments=6,
            # Eq. (4)'s hierarchy rectifies what each fragment passes on to
            # the next ('carry'; False: linear, as Eq. 4 is written; True:
            # Res2Net's ReLU after every fragment; docs/model.md)
            fragment_act='carry',
            # MAM re-weights TPA's branch before the residual sum, as ECA
            # does ('output': TPA's whole output; docs/model.md)
            attention_position='branch',
            mam_cfg=dict(
                type='MAM',
                kernel_size=5,
                dilations=(1, 2, 3),
                pooling='max',
                # ECA's random start (True: every channel's weight starts
                # at 0.5)
                neutral_start=False)),
        num_temporal_modules=3,
        # a block's stride averages its input frames before MSDA (set False
        # to stride in the first ATPA instead; docs/model.md)
        stride_before_spatial=True),
    cls_head=dict(type='GCNHead', num_classes=60, in_channels=288))
