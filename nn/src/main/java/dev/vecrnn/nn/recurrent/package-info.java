/**
 * The PyTorch-compatible recurrent stack ({@code torch.nn.LSTM}, {@code GRU}, {@code RNN}):
 * {@link dev.vecrnn.nn.recurrent.Recurrent} with its {@link dev.vecrnn.nn.recurrent.RecurrentConfig}, whole-sequence
 * passes, and streaming: one stream advanced step by step through its
 * {@link dev.vecrnn.nn.recurrent.StreamState}, many at once through a {@link dev.vecrnn.nn.recurrent.StepWorkspace}.
 * Depends on io and the core.
 */
package dev.vecrnn.nn.recurrent;
