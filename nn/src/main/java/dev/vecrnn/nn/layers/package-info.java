/**
 * Keras-like layers, the stages of a model: {@link dev.vecrnn.nn.layers.Layer} and {@code Dense}, {@code Embedding},
 * {@code AttentionPooling}, {@code Dropout}, {@code LastStep}, {@code RecurrentLayer} (a recurrent stack as a layer),
 * with {@code Activation} and {@code Init}. Depends on recurrent, io and the core.
 */
package dev.vecrnn.nn.layers;
