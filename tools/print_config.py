"""Resolve a config (bases, ``--cfg-options``) and print it.

    python tools/print_config.py configs/lsta_ntu60_xsub_bone.py \
        [--cfg-options train_dataloader.batch_size=8]
"""
import argparse

from mmengine.config import Config, DictAction


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings, key=value (as for tools/train.py)')
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    print(cfg.pretty_text)


if __name__ == '__main__':
    main()
