# Copyright (c) nl1d contributors. All rights reserved.
"""Intra-operative hypotension prediction (MAIC 2020 / VitalDB style) from
arterial pressure waveforms: the labelling logic that
``tools/data/hypotension/convert.py`` runs and that a user can import.

- :mod:`.readers`: VitalDB ``.vital``, WFDB, ``.npy`` and CSV recordings;
- :mod:`.labels`: the label definition (events, windows, exclusions);
- :mod:`.sources`, :mod:`.windows`, :mod:`.splits`, :mod:`.summary`,
  :mod:`.convert`: recordings to labelled windows, the patient-level split
  and the summary (settings: :class:`ConvertConfig`);
- :mod:`.physiology`, :mod:`.artefacts`, :mod:`.writers`, :mod:`.simulate`:
  SIMULATED recordings for demos and tests (not patient data).

Nothing here registers a module; ``import nl1d`` does not import it.
"""
from .config import ConvertConfig
from .convert import CLASS_NAMES, convert
from .labels import LabelConfig, label_recording
from .physiology import SimConfig
from .readers import MissingTrackError, RecordingError, read_recording
from .simulate import simulate_dataset, simulate_recording

__all__ = [
    'ConvertConfig', 'convert', 'CLASS_NAMES', 'LabelConfig',
    'label_recording', 'read_recording', 'RecordingError',
    'MissingTrackError', 'SimConfig', 'simulate_dataset',
    'simulate_recording'
]
