# Copyright (c) nl1d contributors. All rights reserved.
"""Classify one signal record and print the class probabilities.

Example:
    python demo/demo_signal.py configs/nl1d/nl_r50_res5_8xb32_signal.py \
        work_dirs/nl_r50_res5_8xb32_signal/best_auc_auroc_epoch_10.pth \
        data/demo/signals/test_0000.npy
"""
import argparse

from mmengine import DictAction

import nl1d  # noqa: F401  (stack repairs + registration, before mmaction)
from nl1d.apis import inference_recognizer, init_recognizer


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='nl1d demo: class probabilities of one .npy record')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('signal', help='.npy file of shape (channels, '
                        'samples)')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument('--sampling-rate', type=float, default=None,
                        help='Hz; defaults to the test dataset\'s')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override settings of the config, xxx=yyy format')
    return parser.parse_args()


def format_probabilities(probs, classes=None, thresholds=None) -> str:
    """Lines ``class: probability``, highest first, and the decision at a
    threshold frozen on validation when the checkpoint holds one.

    Args:
        probs (Sequence[float]): (K,) class probabilities.
        classes (Sequence[str], optional): Class names. Defaults to None
            (indices).
        thresholds (dict, optional): ``checkpoint['meta']['thresholds']``.
            Defaults to None.

    Returns:
        str: The text to print.
    """
    names = list(classes) if classes is not None and \
        len(classes) == len(probs) else [str(k) for k in range(len(probs))]
    order = sorted(range(len(probs)), key=lambda k: -probs[k])
    width = max(len(n) for n in names)
    lines = [f'{names[k]:>{width}}: {probs[k]:.4f}' for k in order]
    if thresholds and len(probs) <= 2:
        for prefix, entry in sorted(thresholds.items()):
            positive = probs[-1] >= entry['threshold']
            lines.append(
                f'{prefix}: score {probs[-1]:.4f} '
                f'{">=" if positive else "<"} threshold '
                f'{entry["threshold"]:.4f} (chosen on validation) -> '
                f'{names[-1] if positive else names[0]}')
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    model = init_recognizer(cfg, args.checkpoint, device=args.device)
    result = inference_recognizer(
        model, args.signal, sampling_rate=args.sampling_rate)
    probs = result.pred_score.cpu().tolist()
    classes = getattr(model, 'dataset_meta', {}).get('classes')
    print(format_probabilities(probs, classes,
                               getattr(model, 'thresholds', None)))


if __name__ == '__main__':
    main()
