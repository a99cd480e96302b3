_base_ = ['nl_r18_res5_8xb32_signal.py']

# PhysioNet Apnea-ECG, per-minute apnea (1) vs normal (0) from the RR-interval
# series of the .qrs beat annotations (the ECG .dat files are not needed):
# 5-minute windows (the minute +- 2 minutes) at 4 Hz = 1200 samples.
# Prepare with:
#   python tools/data/apnea_ecg/convert.py --src RAW_DIR \
#       --out data/apnea_ecg_rr --signal rr --context 2 --rr-rate 4

# dataset settings
data_root = 'data/apnea_ecg_rr'
ann_file_train = 'data/apnea_ecg_rr/train.txt'
ann_file_val = 'data/apnea_ecg_rr/val.txt'
ann_file_test = 'data/apnea_ecg_rr/test.txt'
sampling_rate = 4  # Hz, the converter's --rr-rate
clip_len = 1200  # the whole 5-minute sample
num_channels = 1

train_pipeline = [
    dict(type='LoadSignal', num_channels=num_channels),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1),
    dict(type='RandomAmplitudeScale', scale_range=(0.9, 1.1)),
    dict(type='GaussianNoise', std=0.01, prob=0.5),
    dict(type='PackSignalInputs')
]
val_pipeline = [
    dict(type='LoadSignal', num_channels=num_channels),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PackSignalInputs')
]
test_pipeline = val_pipeline

train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_train,
        data_prefix=dict(signal=data_root),
        sampling_rate=sampling_rate,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val,
        data_prefix=dict(signal=data_root),
        sampling_rate=sampling_rate,
        pipeline=val_pipeline))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_test,
        data_prefix=dict(signal=data_root),
        sampling_rate=sampling_rate,
        pipeline=test_pipeline))
