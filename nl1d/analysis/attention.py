# Copyright (c) nl1d contributors. All rights reserved.
"""Draw where the non-local blocks look: the waveform of one window and,
over it, the attention of chosen query positions, for the neck and for the
blocks inside the backbone.

Each block sees features of length ``L'`` = window length ``L`` / the stage
stride; its affinity ``attention_map(x)`` is (L', L_k) (``L_k = L' // 2``
with ``sub_sample``). A query at input sample ``t`` is feature row
``t * L' // L``; its row is drawn over the input samples, key ``j`` covering
samples ``[j * L / L_k, (j + 1) * L / L_k)``.

Its command line (``tools/analysis/visualize_nonlocal.py``)::

    python tools/analysis/visualize_nonlocal.py \
        configs/nl1d/nl_r50_res5_8xb32_signal.py CKPT signal.npy \
        --queries 0.25 0.5 0.75 --out attention.png
"""
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
from mmaction.structures import ActionDataSample
from mmengine import Config

from nl1d.apis import init_recognizer
from nl1d.apis.inference import get_test_pipeline
from nl1d.models.layers import NonLocal1d
from nl1d.runtime.cli import load_config
from nl1d.runtime.progress import ProgressBar


def nonlocal_blocks(model: nn.Module,
                    names: Optional[Sequence[str]] = None
                    ) -> Dict[str, NonLocal1d]:
    """The model's :class:`NonLocal1d` modules by name.

    Args:
        model (nn.Module): The recognizer.
        names (Sequence[str], optional): Names to keep. Defaults to None
            (all).

    Returns:
        dict[str, NonLocal1d]: In model order.
    """
    blocks = {
        name: module
        for name, module in model.named_modules()
        if isinstance(module, NonLocal1d)
    }
    if not blocks:
        raise ValueError('The model has no NonLocal1d block (neck or '
                         '`non_local` stages of the backbone).')
    if names:
        missing = [n for n in names if n not in blocks]
        if missing:
            raise KeyError(f'No non-local block named {missing}; the model '
                           f'has {list(blocks)}.')
        blocks = {n: blocks[n] for n in names}
    return blocks


def capture_attention(model: nn.Module, window: np.ndarray,
                      names: Optional[Sequence[str]] = None
                      ) -> Dict[str, np.ndarray]:
    """Run one window and return each block's affinity.

    Each block's input is captured with a forward hook during the model's
    own feature extraction (data preprocessor, backbone, neck), then
    ``attention_map`` is evaluated on it.

    Args:
        model (nn.Module): The recognizer (eval mode).
        window (np.ndarray): (C, L) float32 window.
        names (Sequence[str], optional): Blocks to capture. Defaults to
            None (all).

    Returns:
        dict[str, np.ndarray]: Per block, the (L', L_k) affinity.
    """
    blocks = nonlocal_blocks(model, names)
    inputs: Dict[str, torch.Tensor] = {}
    handles = [
        block.register_forward_hook(
            lambda mod, args, out, name=name: inputs.__setitem__(
                name, args[0].detach()))
        for name, block in blocks.items()
    ]
    try:
        data = dict(
            inputs=[torch.tensor(window[None])],  # (1 clip, C, L), a copy
            data_samples=[ActionDataSample()])
        with torch.no_grad():
            data = model.data_preprocessor(data, False)
            model.extract_feat(data['inputs'], stage='neck', test_mode=True)
    finally:
        for handle in handles:
            handle.remove()
    maps = {}
    bar = ProgressBar(len(blocks), title='attention maps')
    for name, block in blocks.items():
        maps[name] = block.attention_map(inputs[name])[0].cpu().numpy()
        bar.update()
    print()
    return maps


def row_on_input(attention: np.ndarray, query: int,
                 length: int) -> Tuple[np.ndarray, int]:
    """One query's attention, mapped back onto the input samples.

    Args:
        attention (np.ndarray): (L', L_k) affinity of a block.
        query (int): Query position in input samples, in [0, L).
        length (int): L, the window length in input samples.

    Returns:
        tuple[np.ndarray, int]: (L,) weight of the key covering each input
        sample, and the feature row of the query.
    """
    rows, keys = attention.shape
    row = min(query * rows // length, rows - 1)
    key_of_sample = np.minimum(np.arange(length) * keys // length, keys - 1)
    return attention[row, key_of_sample], row


def plot_attention(window: np.ndarray, maps: Dict[str, np.ndarray],
                   queries: List[int], out: str, channel: int = 0,
                   sampling_rate: Optional[float] = None) -> None:
    """Waveform plus the attention rows of the queries, one panel per block.

    Args:
        window (np.ndarray): (C, L) window.
        maps (dict[str, np.ndarray]): Block name → (L', L_k) affinity.
        queries (list[int]): Query positions in samples.
        out (str): Output PNG.
        channel (int): Channel to draw. Defaults to 0.
        sampling_rate (float, optional): Hz, to label the axis in seconds.
            Defaults to None (samples).
    """
    length = window.shape[1]
    t = np.arange(length) / (sampling_rate or 1)
    unit = 's' if sampling_rate else 'samples'
    fig, axes = plt.subplots(len(maps), 1, figsize=(12, 2.8 * len(maps)),
                             squeeze=False)
    colors = plt.rcParams['axes.prop_cycle'].by_key()['color']
    for ax, (name, attention) in zip(axes[:, 0], maps.items()):
        ax.plot(t, window[channel], color='0.6', lw=0.6)
        ax.set_ylabel(f'channel {channel}')
        twin = ax.twinx()
        stride = length / attention.shape[0]
        top = 0.0
        for q, color in zip(queries, colors * len(queries)):
            weights, row = row_on_input(attention, q, length)
            top = max(top, float(weights.max()))
            twin.plot(t, weights, color=color, lw=1.2,
                      label=f'query @ {q / (sampling_rate or 1):.4g} {unit} '
                      f'(row {row})')
            ax.axvline(q / (sampling_rate or 1), color=color, ls='--',
                       lw=1)
        twin.set_ylabel('attention')
        twin.set_ylim(0, 1.25 * top if top > 0 else 1)
        twin.legend(loc='upper right', fontsize=7)
        ax.set_title(f'{name}: L\' = {attention.shape[0]} (stride '
                     f'{stride:g}), {attention.shape[1]} keys', fontsize=9)
    axes[-1, 0].set_xlabel(f'time ({unit})')
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def _clip_len(cfg: Config) -> Optional[int]:
    """The window length of the pipeline ``tools/test.py`` runs (the test
    dataset's, :func:`~nl1d.apis.inference.get_test_pipeline`), if any."""
    try:
        pipeline = get_test_pipeline(cfg)
    except KeyError:
        pipeline = []
    for step in pipeline:
        if step.get('type') == 'SampleWindows':
            return step.get('clip_len')
    return None


def visualize(config: str,
              checkpoint: str,
              signal: str,
              out: str,
              queries: Sequence[float] = (0.25, 0.5, 0.75),
              query_samples: Optional[Sequence[int]] = None,
              blocks: Optional[Sequence[str]] = None,
              start: int = 0,
              clip_len: Optional[int] = None,
              channel: int = 0,
              device: str = 'cpu',
              cfg_options: Optional[Dict] = None) -> str:
    """Draw the attention of the model of ``config`` + ``checkpoint`` on a
    window of the record ``signal`` into ``out``
    (``tools/analysis/visualize_nonlocal.py``).

    Args:
        config (str): The config file.
        checkpoint (str): The checkpoint.
        signal (str): A ``.npy`` record (channels, samples).
        out (str): The output PNG.
        queries (Sequence[float]): Query positions as fractions of the
            window. Defaults to (0.25, 0.5, 0.75).
        query_samples (Sequence[int], optional): Query positions as sample
            indices in the window, instead.
        blocks (Sequence[str], optional): Module names of the blocks to
            draw. Defaults to all.
        start (int): First sample of the window. Defaults to 0.
        clip_len (int, optional): Window length. Defaults to the test
            pipeline's ``clip_len``, or the whole record.
        channel (int): Channel drawn as the waveform. Defaults to 0.
        device (str): Defaults to ``'cpu'``.
        cfg_options (dict, optional): ``--cfg-options`` overrides.

    Returns:
        str: ``out``.
    """
    cfg = load_config(config, cfg_options)
    model = init_recognizer(cfg, checkpoint, device=device)
    record = np.load(signal, mmap_mode='r')
    if record.ndim == 1:
        record = record[None]
    clip_len = clip_len or _clip_len(cfg) or record.shape[1]
    window = np.array(record[:, start:start + clip_len],
                      dtype=np.float32)  # a writable copy of the memmap
    if window.shape[1] < clip_len:
        raise ValueError(
            f'{signal}: {record.shape[1]} samples, too short for a '
            f'{clip_len}-sample window from --start {start}.')
    if query_samples:
        queries = list(query_samples)
    else:
        queries = [min(int(f * clip_len), clip_len - 1) for f in queries]
    if any(not 0 <= q < clip_len for q in queries):
        raise ValueError(f'query positions {queries} must lie in [0, '
                         f'{clip_len}).')
    maps = capture_attention(model, window, blocks)
    try:
        rate = cfg.test_dataloader.dataset.get('sampling_rate')
    except AttributeError:
        rate = None
    plot_attention(window, maps, queries, out, channel, rate)
    print(f'wrote {out}')
    return out
