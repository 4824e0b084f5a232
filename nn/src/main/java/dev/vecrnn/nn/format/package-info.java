/**
 * Model files: vecrnn's own ({@link dev.vecrnn.nn.format.ModelFile}: a safetensors file with the architecture as
 * JSON in its metadata) and PyTorch's side of a recurrent stack ({@link dev.vecrnn.nn.format.PyTorchFormat}: a
 * directory with {@code model.safetensors} and {@code config.json}). Depends on model and below.
 */
package dev.vecrnn.nn.format;
