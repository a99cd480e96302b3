# Copyright (c) nl1d contributors. All rights reserved.
"""A dataset of physiological signal records listed in an annotation file."""
import os.path as osp
from typing import Callable, List, Optional, Sequence, Union

from mmaction.datasets import BaseActionDataset
from mmaction.registry import DATASETS
from mmaction.utils import ConfigType

from .annotation import load_annotation, record_info
from .class_names import resolve_classes
from .signal_io import check_finite, check_signal_array, open_signal

#: At most this many problems are listed in one error message.
_MAX_REPORTED = 20


@DATASETS.register_module()
class SignalDataset(BaseActionDataset):
    """Signal records listed in a text annotation file.

    Each line of ``ann_file`` describes one record, fields separated by
    whitespace (:mod:`nl1d.datasets.annotation`)::

        relative/path.npy num_samples label

    where the path is relative to ``data_prefix['signal']``, the ``.npy``
    file holds a floating array of shape (channels, num_samples) and
    ``label`` is an integer class index. Records may differ in length; the
    sampling rate is one per dataset.

    The whole annotation file is checked when the dataset is built, so bad
    input stops the run before training starts, with every problem found
    listed by annotation line: malformed or empty lines, labels outside
    ``num_classes``, missing / truncated / corrupt files, wrong dtype or
    shape, ``num_samples`` disagreeing with the file, a channel count other
    than ``num_channels`` (or than the other records), NaN/Inf values, and a
    window (``SampleWindows.clip_len`` in the pipeline) longer than every
    record. No file is modified.

    Class names: ``classes`` (names, or the path of a class-name file), else
    ``metainfo=dict(classes=[...])``, else the class-name file the converter
    wrote beside ``ann_file`` (``classes.txt``, or ``classes_VARIANT.txt``
    for ``SPLIT_VARIANT.txt``; see :mod:`nl1d.datasets.class_names`) become
    ``metainfo['classes']``: mmengine passes them to the metrics
    (``dataset_meta``, per-class keys and log lines), to ``DumpResults``
    (``pred_class`` / ``gt_class``) and into every checkpoint's
    ``meta['dataset_meta']`` (inference, the demo, ONNX export). Without any
    of them the classes are their indices. The file is checked when the
    dataset is built: one line ``index name`` per class, indices ``0..K-1``
    in order, distinct names, as many as ``num_classes`` when it is given.

    Args:
        ann_file (str): Path of the annotation file.
        pipeline (list[dict | callable]): Data transforms.
        data_prefix (dict, optional): Directory of the signal files, as
            ``dict(signal=DATA_DIR)``. Defaults to None, meaning
            ``dict(signal='')``.
        num_classes (int, optional): Number of classes; labels must lie in
            ``[0, num_classes)``. Defaults to None (not checked).
        classes (str | Sequence[str], optional): Class names in index
            order, or the path of a class-name file (relative paths are
            joined with ``data_root``). Defaults to None: ``metainfo``'s
            ``classes`` when given, else the class-name file beside
            ``ann_file`` when there is one.
        sampling_rate (float, optional): Sampling rate of every record in
            Hz, stored in each data info as ``sampling_rate`` (needed by
            ``ResampleSignal`` and ``BaselineWander``). Defaults to None.
        num_channels (int, optional): Channel count every record must have.
            Defaults to None: taken from ``LoadSignal(num_channels=...)`` in
            the pipeline when set there, else records need only agree with
            each other.
        check_files (bool): Open every signal file's header (no samples are
            read) to check existence, dtype, shape, length and channels.
            Defaults to True.
        check_values (bool): Also scan every record for NaN/Inf (reads the
            whole dataset once, in chunks). Turn off for datasets so large
            that one pass is too slow. Defaults to True.
        test_mode (bool): Build a validation / test dataset.
            Defaults to False.
        **kwargs: Passed to :class:`mmaction.datasets.BaseActionDataset`
            (e.g. ``data_root``, ``indices``, ``lazy_init``).

    Examples:
        >>> dataset = SignalDataset(
        ...     ann_file='data/demo/train.txt',
        ...     data_prefix=dict(signal='data/demo'),
        ...     pipeline=[dict(type='LoadSignal'),
        ...               dict(type='SampleWindows', clip_len=2000),
        ...               dict(type='PackSignalInputs')],
        ...     num_classes=2, sampling_rate=100)
        >>> dataset[0]['inputs'].shape  # (num_clips, C, clip_len)
        torch.Size([1, 1, 2000])
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[ConfigType, Callable]],
                 data_prefix: Optional[ConfigType] = None,
                 num_classes: Optional[int] = None,
                 classes: Union[str, Sequence[str], None] = None,
                 sampling_rate: Optional[float] = None,
                 num_channels: Optional[int] = None,
                 check_files: bool = True,
                 check_values: bool = True,
                 test_mode: bool = False,
                 **kwargs) -> None:
        if sampling_rate is not None and sampling_rate <= 0:
            raise ValueError(f'SignalDataset({ann_file}): sampling_rate must '
                             f'be positive (Hz), got {sampling_rate}.')
        self.sampling_rate = sampling_rate
        self.num_channels = num_channels
        self.check_files, self.check_values = check_files, check_values
        if data_prefix is None:
            data_prefix = dict(signal='')
        if classes is not None and (kwargs.get('metainfo')
                                    or {}).get('classes') is not None:
            raise ValueError(
                f'SignalDataset({ann_file}): both `classes` and '
                '`metainfo.classes` are given; give the class names once.')
        self._classes = classes
        super().__init__(
            ann_file,
            pipeline=pipeline,
            data_prefix=data_prefix,
            test_mode=test_mode,
            num_classes=num_classes,
            modality='Signal',
            **kwargs)

    def _join_prefix(self) -> None:
        """Join ``ann_file`` and ``data_prefix`` with ``data_root``, then
        read the class names into ``metainfo['classes']``, before any record
        is read (so a bad class-name file stops the run at once)."""
        super()._join_prefix()
        classes = self._classes
        if isinstance(classes, str) and self.data_root and \
                not osp.isabs(classes) and '://' not in classes:
            classes = osp.join(self.data_root, classes)
        if classes is None:
            classes = self._metainfo.get('classes')
        try:
            names = resolve_classes(classes, self.ann_file, self.num_classes)
        except ValueError as e:
            raise ValueError(f'{self.__class__.__name__} ({self.ann_file}): '
                             f'{e}') from None
        if names is not None:
            self._metainfo['classes'] = names

    def load_data_list(self) -> List[dict]:
        """Parse and check the annotation file.

        Returns:
            list[dict]: One data info per record
            (:func:`~nl1d.datasets.annotation.record_info`: ``filename``,
            ``num_samples``, ``total_frames``, ``label``, ``sampling_rate``)
            plus ``ann_file`` and ``ann_line`` (1-based line number).

        Raises:
            FileNotFoundError: ``ann_file`` does not exist.
            ValueError: The annotation or the signals have problems; the
                message lists them by line.
        """
        records, problems = load_annotation(self.ann_file, self.num_classes)
        prefix = self.data_prefix.get('signal', '')
        data_list = [
            record_info(
                osp.join(prefix, record.path),
                record.num_samples,
                label=record.label,
                sampling_rate=self.sampling_rate,
                ann_file=self.ann_file,
                ann_line=record.line_no) for record in records
        ]
        if self.check_files:
            self._check_signals(data_list, problems)
        if not problems:
            self._check_window_fits(data_list, problems)
        if problems:
            self._raise(problems)
        return data_list

    def _expected_channels(self) -> Optional[int]:
        """``num_channels`` of the dataset, else of a LoadSignal."""
        if self.num_channels is not None:
            return self.num_channels
        for transform in self.pipeline.transforms:
            if getattr(transform, 'num_channels', None) is not None:
                return transform.num_channels
        return None

    def _check_signals(self, data_list: List[dict],
                       problems: List[str]) -> None:
        """Open every signal file and check it against its line."""
        expected = self._expected_channels()
        first = None  # (channels, line) of the first record
        for info in data_list:
            path, line_no = info['filename'], info['ann_line']
            try:
                signal = open_signal(path)
                check_signal_array(signal, path, info['num_samples'],
                                   expected)
                if self.check_values:
                    check_finite(signal, path)
            except (FileNotFoundError, ValueError) as e:
                problems.append(f'line {line_no}: {e}')
                continue
            if first is None:
                first = (signal.shape[0], line_no)
            elif signal.shape[0] != first[0]:
                problems.append(
                    f'line {line_no}: signal file {path} has '
                    f'{signal.shape[0]} channels but the record on line '
                    f'{first[1]} has {first[0]}: every record of a dataset '
                    'needs the same channels (set num_channels to state '
                    'which count is right)')

    def _check_window_fits(self, data_list: List[dict],
                           problems: List[str]) -> None:
        """Refuse a window longer than every record.

        Record lengths are followed through the transforms before the first
        one with a ``clip_len`` (e.g. ``SampleWindows``); a transform that
        changes the length (e.g. ``ResampleSignal``) says how through an
        ``output_length(num_samples, sampling_rate)`` method.
        """
        if not data_list:
            return
        longest = max(info['num_samples'] for info in data_list)
        for transform in self.pipeline.transforms:
            clip_len = getattr(transform, 'clip_len', None)
            if clip_len is not None:
                # A float is a fraction of each record: it always fits.
                if isinstance(clip_len, int) and clip_len > longest:
                    problems.append(
                        f'the window of {transform!r} ({clip_len} samples) '
                        f'is longer than every record (the longest has '
                        f'{longest} samples at the window\'s sampling '
                        'rate): lower clip_len, or check sampling_rate and '
                        'the converter\'s output rate')
                return
            if hasattr(transform, 'output_length'):
                longest = transform.output_length(longest,
                                                  self.sampling_rate)

    def _raise(self, problems: List[str]) -> None:
        """Raise one error listing the problems."""
        shown = problems[:_MAX_REPORTED]
        more = len(problems) - len(shown)
        text = '\n  - '.join(shown)
        if more:
            text += f'\n  ... and {more} more'
        raise ValueError(
            f'{self.__class__.__name__}: annotation file {self.ann_file} '
            f'(signals under `{self.data_prefix.get("signal", "")}`) has '
            f'{len(problems)} problem(s); nothing was changed, fix them and '
            f'start again:\n  - {text}')
