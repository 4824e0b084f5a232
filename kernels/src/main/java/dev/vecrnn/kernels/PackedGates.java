package dev.vecrnn.kernels;

/**
 * The weights and biases of one recurrent cell, packed once into the layout the gate kernels stream.
 *
 * <p>Logically the cell computes {@code gates = W_ih x + b_ih + W_hh h + b_hh} for {@code G} gates of
 * {@code H} units each. PyTorch stores {@code weight_ih [G*H, I]} and {@code weight_hh [G*H, Hr]}
 * ({@code Hr = H}, or {@code proj_size} for a projected LSTM). Here the two are joined column-wise into
 * rows of {@code S = I + Hr} and the rows are cut into <em>panels</em> of {@link #PANEL} rows stored
 * column-major: panel {@code p} holds, for every column {@code k}, the {@code PANEL} consecutive
 * floats {@code W[p*PANEL .. p*PANEL+PANEL, k]}. A SIMD loop then multiplies a whole panel by one
 * broadcast element of {@code [x; h]} per column with no horizontal reduction, and the input part
 * ({@code k < I}) and the recurrent part ({@code k >= I}) of every row are contiguous ranges of the
 * same panel, so a sequence can apply the input part for all time steps first and the recurrent part
 * per step.
 *
 * <p>The weights sit in {@link #blocks() blocks}. LSTM and RNN have one block of {@code G*H} rows over
 * {@code [x; h]} whose output is the full pre-activation. GRU applies its reset gate after the
 * recurrent matmul of the n gate, so its recurrent n part must stay separate: a GRU packs three
 * blocks, r and z over {@code [x; h]}, the n gate over {@code x} only and the n gate over {@code h}
 * only, and its output has {@code 4H} entries {@code [r, z, n_x, n_h]} with
 * {@code n_x = W_in x + b_in} and {@code n_h = W_hn h + b_hn}.
 *
 * <p>Biases: where a block covers both parts the two PyTorch biases are summed into one; where it
 * covers one part it carries that part's bias. A block's bias sits at its output offset, so the bias
 * array has exactly {@link #outputSize()} entries.
 *
 * <p>Instances are plain descriptors over caller-owned arrays: the arrays may be a model's live
 * parameters (training updates them in place) or, with {@link #zerosLike()}, a gradient buffer of the
 * same layout.
 */
public final class PackedGates {
    /** Rows per panel. Sixteen floats is one 512-bit vector, two 256-bit ones, four 128-bit ones. */
    public static final int PANEL = 16;

    /**
     * One run of logical rows {@code [rowFrom, rowFrom + rows)} reading columns {@code [colFrom, colTo)}
     * of {@code [x; h]}, writing output entries {@code [outOffset, outOffset + rows)}, its panels
     * starting at {@code weightOffset}.
     */
    public record Block(int rows, int rowFrom, int colFrom, int colTo, int outOffset, int weightOffset) {
        /** Panels in this block (rows rounded up to whole panels; padding rows are zero). */
        public int panels() {
            return (rows + PANEL - 1) / PANEL;
        }
    }

    /** The cell types the packing knows; the number of gates and whether the n gate is split. */
    public enum Cell {
        RNN(1), LSTM(4), GRU(3);
        public final int gates;

        Cell(int gates) {
            this.gates = gates;
        }
    }

    /** Slots for the per-thread walking direction of the Vector API kernels (see PanamaForward.Sweep). */
    static final int SWEEP_SLOTS = 64;
    private static final java.util.concurrent.atomic.AtomicInteger PACKED = new java.util.concurrent.atomic.AtomicInteger();

    private final Cell cell;
    private final int sweepSlot = PACKED.getAndIncrement() & (SWEEP_SLOTS - 1);
    private final int inputSize;
    private final int recurrentSize;
    private final int hiddenSize;
    private final Block[] blocks;
    private final float[] weights;
    private final float[] bias;

    private PackedGates(Cell cell, int inputSize, int recurrentSize, int hiddenSize, float[] weights, float[] bias) {
        this.cell = cell;
        this.inputSize = inputSize;
        this.recurrentSize = recurrentSize;
        this.hiddenSize = hiddenSize;
        this.blocks = layout(cell, inputSize, recurrentSize, hiddenSize);
        int need = weightsLength(blocks);
        if (weights.length != need) {
            throw new IllegalArgumentException("weights: expected length " + need + ", got " + weights.length);
        }
        if (bias.length != outputSize()) {
            throw new IllegalArgumentException("bias: expected length " + outputSize() + ", got " + bias.length);
        }
        this.weights = weights;
        this.bias = bias;
    }

    static Block[] layout(Cell cell, int in, int rec, int hid) {
        int s = in + rec;
        if (cell == Cell.GRU) {
            Block rz = new Block(2 * hid, 0, 0, s, 0, 0);
            int o1 = rz.panels() * PANEL * s;
            Block nx = new Block(hid, 2 * hid, 0, in, 2 * hid, o1);
            int o2 = o1 + nx.panels() * PANEL * in;
            Block nh = new Block(hid, 2 * hid, in, s, 3 * hid, o2);
            return new Block[] {rz, nx, nh};
        }
        return new Block[] {new Block(cell.gates * hid, 0, 0, s, 0, 0)};
    }

    static int weightsLength(Block[] blocks) {
        long n = 0;
        for (Block b : blocks) {
            n += (long) b.panels() * PANEL * (b.colTo() - b.colFrom());
        }
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("cell too large to pack: " + n + " weights");
        }
        return (int) n;
    }

    /** An empty packing (all zero) of the given shape, for example a gradient accumulator. */
    public static PackedGates zeros(Cell cell, int inputSize, int recurrentSize, int hiddenSize) {
        Kernels.checkNotNull("cell", cell);
        checkSizes(inputSize, recurrentSize, hiddenSize);
        Block[] b = layout(cell, inputSize, recurrentSize, hiddenSize);
        int out = cell == Cell.GRU ? 4 * hiddenSize : cell.gates * hiddenSize;
        return new PackedGates(cell, inputSize, recurrentSize, hiddenSize, new float[weightsLength(b)], new float[out]);
    }

    /** A zeroed packing with this one's shape. */
    public PackedGates zerosLike() {
        return zeros(cell, inputSize, recurrentSize, hiddenSize);
    }

    static void checkSizes(int in, int rec, int hid) {
        if (in < 0) throw new IllegalArgumentException("inputSize: expected >= 0, got " + in);
        if (rec < 0) throw new IllegalArgumentException("recurrentSize: expected >= 0, got " + rec);
        if (hid < 1) throw new IllegalArgumentException("hiddenSize: expected >= 1, got " + hid);
    }

    /**
     * Packs PyTorch's tensors (row-major, as in a {@code state_dict}).
     *
     * @param weightIh {@code [G*H, I]}
     * @param weightHh {@code [G*H, Hr]}
     * @param biasIh   {@code [G*H]}, or null for {@code bias=False}
     * @param biasHh   {@code [G*H]}, or null for {@code bias=False}
     */
    public static PackedGates pack(Cell cell, int inputSize, int recurrentSize, int hiddenSize,
                                   float[] weightIh, float[] weightHh, float[] biasIh, float[] biasHh) {
        PackedGates p = zeros(cell, inputSize, recurrentSize, hiddenSize);
        int rows = cell.gates * hiddenSize;
        Kernels.checkLength("weightIh", weightIh, (long) rows * inputSize);
        Kernels.checkLength("weightHh", weightHh, (long) rows * recurrentSize);
        if (biasIh != null) Kernels.checkLength("biasIh", biasIh, rows);
        if (biasHh != null) Kernels.checkLength("biasHh", biasHh, rows);
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < inputSize; k++) p.set(r, k, weightIh[r * inputSize + k]);
            for (int k = 0; k < recurrentSize; k++) p.set(r, inputSize + k, weightHh[r * recurrentSize + k]);
        }
        p.setBias(biasIh, biasHh);
        return p;
    }

    /** Writes the two PyTorch biases ({@code [G*H]} each) into the packed bias (null means zero). */
    public void setBias(float[] biasIh, float[] biasHh) {
        packBias(cell, hiddenSize, biasIh, biasHh, bias);
    }

    /** The packed bias ({@code outputSize} entries, into {@code bias}) of the two PyTorch biases (null means zero). */
    static void packBias(Cell cell, int hiddenSize, float[] biasIh, float[] biasHh, float[] bias) {
        int rows = cell.gates * hiddenSize;
        if (biasIh != null) Kernels.checkLength("biasIh", biasIh, rows);
        if (biasHh != null) Kernels.checkLength("biasHh", biasHh, rows);
        int split = cell == Cell.GRU ? 2 * hiddenSize : rows;
        for (int r = 0; r < rows; r++) {
            float bi = biasIh == null ? 0f : biasIh[r];
            float bh = biasHh == null ? 0f : biasHh[r];
            if (r < split) {
                bias[r] = bi + bh;
            } else {
                bias[r] = bi;
                bias[r + hiddenSize] = bh;
            }
        }
    }

    /** Copies the weights back to PyTorch's {@code weight_ih [G*H, I]} and {@code weight_hh [G*H, Hr]}. */
    public void unpackWeights(float[] weightIh, float[] weightHh) {
        int rows = cell.gates * hiddenSize;
        Kernels.checkLength("weightIh", weightIh, (long) rows * inputSize);
        Kernels.checkLength("weightHh", weightHh, (long) rows * recurrentSize);
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < inputSize; k++) weightIh[r * inputSize + k] = get(r, k);
            for (int k = 0; k < recurrentSize; k++) weightHh[r * recurrentSize + k] = get(r, inputSize + k);
        }
    }

    /** Index in {@link #weights()} of logical element {@code W[row, col]} ({@code col < I} is input). */
    public int index(int row, int col) {
        int rows = cell.gates * hiddenSize;
        if (row < 0 || row >= rows || col < 0 || col >= inputSize + recurrentSize) {
            throw new IndexOutOfBoundsException("W[" + row + ", " + col + "] outside [" + rows + ", "
                    + (inputSize + recurrentSize) + "]");
        }
        for (Block b : blocks) {
            if (row >= b.rowFrom() && row < b.rowFrom() + b.rows() && col >= b.colFrom() && col < b.colTo()) {
                int r = row - b.rowFrom();
                int width = b.colTo() - b.colFrom();
                return b.weightOffset() + (r / PANEL) * PANEL * width + (col - b.colFrom()) * PANEL + r % PANEL;
            }
        }
        throw new AssertionError("no block holds W[" + row + ", " + col + "]");
    }

    public float get(int row, int col) {
        return weights[index(row, col)];
    }

    public void set(int row, int col, float value) {
        weights[index(row, col)] = value;
    }

    public Cell cell() {
        return cell;
    }

    public int gates() {
        return cell.gates;
    }

    /** I: the size of the input x. */
    public int inputSize() {
        return inputSize;
    }

    /** Hr: the size of the recurrent input h (H, or proj_size). */
    public int recurrentSize() {
        return recurrentSize;
    }

    /** H: units per gate. */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** Entries the gate kernels write per batch row: {@code G*H}, or {@code 4H} for GRU. */
    public int outputSize() {
        return cell == Cell.GRU ? 4 * hiddenSize : cell.gates * hiddenSize;
    }

    /** The blocks (do not modify the returned array). */
    public Block[] blocks() {
        return blocks;
    }

    /** This packing's slot for the walking direction the Vector API kernels keep per thread. */
    int sweepSlot() {
        return sweepSlot;
    }

    /** The packed weights, live (not a copy). */
    public float[] weights() {
        return weights;
    }

    /** The packed bias, {@link #outputSize()} entries, live (not a copy). */
    public float[] bias() {
        return bias;
    }
}
