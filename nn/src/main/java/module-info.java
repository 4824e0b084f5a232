/**
 * vecrnn's recurrent networks: PyTorch-compatible RNN, LSTM and GRU stacks with streaming steps, Keras-like
 * layers and models, training by backpropagation through time, and the model files (vecrnn's own and
 * PyTorch's state dicts). Packages depend one way: train, format, model, layers, recurrent, io, core.
 */
module dev.vecrnn.nn {
    requires transitive dev.vecrnn.kernels;

    exports dev.vecrnn.nn;
    exports dev.vecrnn.nn.io;
    exports dev.vecrnn.nn.recurrent;
    exports dev.vecrnn.nn.layers;
    exports dev.vecrnn.nn.model;
    exports dev.vecrnn.nn.format;
    exports dev.vecrnn.nn.train;
}
