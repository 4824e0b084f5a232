package dev.vecrnn.nn.recurrent;

/**
 * The shape of a recurrent layer stack, with PyTorch's meaning for every field ({@code torch.nn.LSTM}
 * and friends): {@code projSize} 0 means no projection (LSTM only); dropout applies between layers in
 * training.
 */
public record RecurrentConfig(CellType type, int inputSize, int hiddenSize, int numLayers, boolean bias,
                              boolean batchFirst, boolean bidirectional, float dropout, int projSize) {

    public RecurrentConfig {
        if (type == null) throw new IllegalArgumentException("type: expected a cell type, got null");
        if (inputSize < 1) throw new IllegalArgumentException("inputSize: expected >= 1, got " + inputSize);
        if (hiddenSize < 1) throw new IllegalArgumentException("hiddenSize: expected >= 1, got " + hiddenSize);
        if (numLayers < 1) throw new IllegalArgumentException("numLayers: expected >= 1, got " + numLayers);
        // torch.nn.LSTM takes any probability in [0, 1]; at 1 every input of the layers past the first is zeroed in training
        if (!(dropout >= 0f && dropout <= 1f)) throw new IllegalArgumentException("dropout: expected in [0, 1], got " + dropout);
        if (projSize < 0) throw new IllegalArgumentException("projSize: expected >= 0, got " + projSize);
        if (projSize > 0 && type != CellType.LSTM) {
            throw new IllegalArgumentException("projSize: only LSTM has a projection, got projSize " + projSize + " for " + type);
        }
        if (projSize >= hiddenSize && projSize > 0) {
            throw new IllegalArgumentException("projSize: expected < hiddenSize (" + hiddenSize + "), got " + projSize);
        }
    }

    /** One layer, bias on, time-major, unidirectional, no dropout, no projection. */
    public static RecurrentConfig of(CellType type, int inputSize, int hiddenSize) {
        return new RecurrentConfig(type, inputSize, hiddenSize, 1, true, false, false, 0f, 0);
    }

    public RecurrentConfig withLayers(int n) {
        return new RecurrentConfig(type, inputSize, hiddenSize, n, bias, batchFirst, bidirectional, dropout, projSize);
    }

    public RecurrentConfig withBidirectional(boolean b) {
        return new RecurrentConfig(type, inputSize, hiddenSize, numLayers, bias, batchFirst, b, dropout, projSize);
    }

    public RecurrentConfig withBatchFirst(boolean b) {
        return new RecurrentConfig(type, inputSize, hiddenSize, numLayers, bias, b, bidirectional, dropout, projSize);
    }

    public RecurrentConfig withBias(boolean b) {
        return new RecurrentConfig(type, inputSize, hiddenSize, numLayers, b, batchFirst, bidirectional, dropout, projSize);
    }

    public RecurrentConfig withDropout(float p) {
        return new RecurrentConfig(type, inputSize, hiddenSize, numLayers, bias, batchFirst, bidirectional, p, projSize);
    }

    public RecurrentConfig withProjSize(int p) {
        return new RecurrentConfig(type, inputSize, hiddenSize, numLayers, bias, batchFirst, bidirectional, dropout, p);
    }

    /** Directions: 2 when bidirectional. */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /** The size of h: projSize when projected, else hiddenSize. */
    public int outputHidden() {
        return projSize > 0 ? projSize : hiddenSize;
    }

    /** The feature size of the output sequence: directions * outputHidden. */
    public int outputSize() {
        return directions() * outputHidden();
    }

    /** The input size of layer l. */
    public int layerInput(int l) {
        if (l < 0 || l >= numLayers) throw new IllegalArgumentException("l: expected a layer in [0, " + numLayers + "), got " + l);
        return l == 0 ? inputSize : outputSize();
    }
}
