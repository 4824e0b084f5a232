/**
 * Training: {@link dev.vecrnn.nn.train.Trainer} (epochs, validation, early stopping, checkpoints), truncated BPTT,
 * datasets and evaluation; losses (any {@link dev.vecrnn.nn.train.Loss}), optimizers, clipping, learning-rate schedules and metrics. The top
 * of nn: depends on format (a checkpoint holds a model file) and everything below.
 */
package dev.vecrnn.nn.train;
