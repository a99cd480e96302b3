# Copyright (c) nl1d contributors. All rights reserved.
"""Batching records of different lengths: right-padding plus valid lengths."""
import copy
from typing import Any, Mapping, Sequence

import torch
import torch.nn.functional as F
from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS


def _describe(index: int, item: Mapping) -> str:
    """``sample 3 (path/rec003.npy)`` for error messages."""
    sample = item.get('data_samples')
    filename = getattr(sample, 'metainfo', {}).get('filename')
    return f'sample {index}' + (f' ({filename})' if filename else '')


# mmengine's Runner looks collate functions up with a plain
# ``FUNCTIONS.get(type)`` on mmengine's root registry, which neither follows
# the default scope nor searches child registries, and mmaction2 1.2.0's own
# FUNCTION registry cannot be queried at all (its import location
# `mmaction.mmengine` does not exist, so `mmaction.xxx` lookups raise
# ModuleNotFoundError). mmaction2 itself registers its collate function
# (`repeat_pseudo_collate`) into the root registry; so does nl1d.
@FUNCTIONS.register_module()
def pad_collate(data_batch: Sequence[Mapping], pad_value: float = 0) -> Any:
    """Collate records of different lengths: right-pad them to the longest.

    A drop-in replacement for :func:`mmengine.dataset.pseudo_collate` (the
    batch is returned in the same form: ``inputs`` a list of tensors,
    ``data_samples`` a list of data samples, other keys as
    ``pseudo_collate`` gives them) for samples whose ``inputs`` differ in
    their last (time) axis, such as whole records of different lengths
    (``SampleWindows(clip_len=None)``). Every ``inputs`` tensor shorter than
    the batch's longest is right-padded with ``pad_value`` to that length,
    and each data sample's metainfo gains ``valid_length``: the number of
    leading samples of its ``inputs`` that are signal, not padding, which
    the model uses to mask the padding. A sample whose metainfo already
    holds a ``valid_length`` (an earlier step padded it) keeps the smaller
    of that value and its own length before padding: everything past either
    one is padding. Tensors that need no padding are passed on as they are,
    not copied.

    Samples are expected as :class:`~nl1d.datasets.PackSignalInputs` packs
    them: ``inputs`` (num_clips, C, L_i) and an ``ActionDataSample``. Only
    the last axis can differ; samples of a batch need the same number of
    clips and channels.

    Configs select it by name (it is registered in mmengine's ``FUNCTIONS``
    registry, where mmengine's Runner looks collate functions up), or by
    its full path ``'nl1d.datasets.pad_collate'``::

        train_dataloader = dict(
            batch_size=32,
            batch_sampler=dict(type='LengthBucketBatchSampler'),
            collate_fn=dict(type='pad_collate'),
            ...)

    Args:
        data_batch (Sequence[Mapping]): The samples of one batch, each a
            dict with ``inputs`` (Tensor) and, usually, ``data_samples``.
        pad_value (float): Value of the padded positions. Defaults to 0.

    Returns:
        dict: ``pseudo_collate`` of the padded samples:
        ``{'inputs': [Tensor (num_clips, C, L_max), ...],
        'data_samples': [ActionDataSample, ...]}``.

    Raises:
        ValueError: The batch is empty, or its samples differ in an axis
            other than the last (naming the samples).
        TypeError: A sample has no tensor ``inputs``.

    Examples:
        >>> import torch
        >>> from mmaction.structures import ActionDataSample
        >>> batch = pad_collate([
        ...     dict(inputs=torch.ones(1, 1, 3),
        ...          data_samples=ActionDataSample()),
        ...     dict(inputs=torch.ones(1, 1, 5),
        ...          data_samples=ActionDataSample())])
        >>> batch['inputs'][0]
        tensor([[[1., 1., 1., 0., 0.]]])
        >>> [s.valid_length for s in batch['data_samples']]
        [3, 5]
    """
    if len(data_batch) == 0:
        raise ValueError('pad_collate got an empty batch.')
    for index, item in enumerate(data_batch):
        inputs = item.get('inputs') if isinstance(item, Mapping) else None
        if not isinstance(inputs, torch.Tensor) or inputs.ndim < 1:
            name = _describe(index, item) if isinstance(
                item, Mapping) else f'sample {index}'
            raise TypeError(
                f'pad_collate: {name} has no tensor `inputs` with a time '
                'axis: it collates the dicts PackSignalInputs makes, '
                '{"inputs": Tensor (num_clips, C, L), "data_samples": '
                'ActionDataSample}.')
    first = data_batch[0]['inputs']
    for index, item in enumerate(data_batch[1:], start=1):
        inputs = item['inputs']
        if inputs.shape[:-1] != first.shape[:-1]:
            raise ValueError(
                f'pad_collate: {_describe(index, item)} has inputs of shape '
                f'{tuple(inputs.shape)} but {_describe(0, data_batch[0])} has '
                f'{tuple(first.shape)}. Only the last (time) axis can be '
                'padded: samples of a batch need the same number of clips '
                'and channels. Give every record the same channels '
                '(LoadSignal(num_channels=...)) and a fixed num_clips '
                '(SampleWindows with stride=... gives a count that depends '
                'on the record: use batch_size=1 there).')

    max_len = max(item['inputs'].shape[-1] for item in data_batch)
    padded = []
    for item in data_batch:
        inputs = item['inputs']  # (num_clips, C, L_i)
        length = inputs.shape[-1]
        sample = item.get('data_samples')
        if sample is not None:
            valid = sample.metainfo.get('valid_length')
            valid = length if valid is None else min(int(valid), length)
            sample.set_metainfo(dict(valid_length=int(valid)))
        if length < max_len:
            item = copy.copy(item)  # a shallow copy: the caller's dict stays
            # (num_clips, C, L_i) -> (num_clips, C, L_max)
            pad = (0, max_len - length)
            item['inputs'] = F.pad(inputs, pad, value=pad_value)
        padded.append(item)
    return pseudo_collate(padded)
