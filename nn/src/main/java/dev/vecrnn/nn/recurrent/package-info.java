/**
 * The PyTorch-compatible recurrent stack ({@code torch.nn.LSTM}, {@code GRU}, {@code RNN}):
 * {@link dev.vecrnn.nn.recurrent.Recurrent} with its {@link dev.vecrnn.nn.recurrent.RecurrentConfig}, whole-sequence
 * passes, and step-by-step {@link dev.vecrnn.nn.recurrent.Stream}ing. Depends on io and the core.
 */
package dev.vecrnn.nn.recurrent;
