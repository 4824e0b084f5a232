package dev.vecrnn.kernels;

import dev.vecrnn.kernels.PackedGates.Cell;

/**
 * A cell's parameters in PyTorch's layout, and the gate products computed from them directly in double.
 *
 * <p>Output entry j of the gate kernels (GRU: {@code [r, z, n_x, n_h]}) is logical row {@link #row}(j) of
 * {@code weight_ih} and/or {@code weight_hh}: LSTM and RNN entries and GRU r, z use both, GRU n_x only the
 * input side, GRU n_h only the recurrent side.
 */
record GateModel(Cell cell, int in, int rec, int hid, float[] wih, float[] whh, float[] bih, float[] bhh) {

    /** Random weights in [-3, 3]; biases null when {@code biases} is false. */
    static GateModel random(Data d, Cell cell, int in, int rec, int hid, boolean biases) {
        int rows = cell.gates * hid;
        return new GateModel(cell, in, rec, hid, d.plain(rows * in), d.plain(rows * rec),
                biases ? d.plain(rows) : null, biases ? d.plain(rows) : null);
    }

    PackedGates pack() {
        return PackedGates.pack(cell, in, rec, hid, wih, whh, bih, bhh);
    }

    int rows() {
        return cell.gates * hid;
    }

    int outputs() {
        return cell == Cell.GRU ? 4 * hid : rows();
    }

    int row(int j) {
        return cell == Cell.GRU && j >= 3 * hid ? j - hid : j;
    }

    boolean usesInput(int j) {
        return cell != Cell.GRU || j < 3 * hid;
    }

    boolean usesRecurrent(int j) {
        return cell != Cell.GRU || j < 2 * hid || j >= 3 * hid;
    }

    /**
     * out[b, j] = [bias] + [W_ih x] + [W_hh h] + [old], each part where entry j uses it; null x or h
     * leave that part out, {@code old} null means no accumulation. Returns [batch * outputs].
     */
    Fp[] gates(int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh, boolean bias,
               float[] old, int oOff, int ldo) {
        Fp[] r = new Fp[batch * outputs()];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < outputs(); j++) {
                int row = row(j);
                double s = 0, abs = 0;
                int terms = 0;
                if (bias && usesInput(j) && bih != null) {
                    s += bih[row];
                    abs += Math.abs(bih[row]);
                    terms++;
                }
                if (bias && usesRecurrent(j) && bhh != null) {
                    s += bhh[row];
                    abs += Math.abs(bhh[row]);
                    terms++;
                }
                if (x != null && usesInput(j)) {
                    for (int k = 0; k < in; k++) {
                        double p = (double) wih[row * in + k] * x[xOff + b * ldx + k];
                        s += p;
                        abs += Math.abs(p);
                    }
                    terms += in;
                }
                if (h != null && usesRecurrent(j)) {
                    for (int k = 0; k < rec; k++) {
                        double p = (double) whh[row * rec + k] * h[hOff + b * ldh + k];
                        s += p;
                        abs += Math.abs(p);
                    }
                    terms += rec;
                }
                if (old != null) {
                    double o = old[oOff + b * ldo + j];
                    s += o;
                    abs += Math.abs(o);
                    terms++;
                }
                r[b * outputs() + j] = Fp.sum(s, abs, terms, 0);
            }
        }
        return r;
    }

    /**
     * The gradient reaching one side of the matmul: d[b, k] = old[b, k] + sum over entries j using that
     * side of dG[b, j] W[row(j), k]. Returns [batch * width].
     */
    Fp[] backwardData(boolean input, int batch, float[] dG, int gOff, int ldg, float[] old, int oOff, int ldo) {
        int width = input ? in : rec;
        float[] w = input ? wih : whh;
        Fp[] r = new Fp[batch * width];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < width; k++) {
                double o = old[oOff + b * ldo + k];
                double s = o, abs = Math.abs(o);
                int terms = 1;
                for (int j = 0; j < outputs(); j++) {
                    if (input ? !usesInput(j) : !usesRecurrent(j)) continue;
                    double p = (double) dG[gOff + b * ldg + j] * w[row(j) * width + k];
                    s += p;
                    abs += Math.abs(p);
                    terms++;
                }
                r[b * width + k] = Fp.sum(s, abs, terms, 0);
            }
        }
        return r;
    }

    /**
     * The weight gradient of one side in PyTorch's layout, {@code times} calls accumulated onto
     * {@code old [rows, width]}: old[row(j), k] + times * sum_b dG[b, j] src[b, k] over entries j
     * using that side; a null src adds nothing.
     */
    Fp[] backwardWeights(boolean input, int batch, float[] dG, int gOff, int ldg, float[] src, int sOff, int lds,
                         float[] old, int times) {
        int width = input ? in : rec;
        Fp[] r = new Fp[rows() * width];
        for (int i = 0; i < r.length; i++) r[i] = Fp.sum(old[i], Math.abs(old[i]), 1, 0);
        if (src == null) return r;
        for (int j = 0; j < outputs(); j++) {
            if (input ? !usesInput(j) : !usesRecurrent(j)) continue;
            int row = row(j);
            for (int k = 0; k < width; k++) {
                double o = old[row * width + k];
                double s = 0, abs = 0;
                for (int b = 0; b < batch; b++) {
                    double p = (double) dG[gOff + b * ldg + j] * src[sOff + b * lds + k];
                    s += p;
                    abs += Math.abs(p);
                }
                r[row * width + k] = Fp.sum(o + times * s, Math.abs(o) + times * abs, times * batch + 1, 0);
            }
        }
        return r;
    }

    /** The packed bias gradient: old[j] + times * sum_b dG[b, j]. */
    Fp[] backwardBias(int batch, float[] dG, int gOff, int ldg, float[] old, int times) {
        Fp[] r = new Fp[outputs()];
        for (int j = 0; j < outputs(); j++) {
            double s = 0, abs = 0;
            for (int b = 0; b < batch; b++) {
                double v = dG[gOff + b * ldg + j];
                s += v;
                abs += Math.abs(v);
            }
            r[j] = Fp.sum(old[j] + times * s, Math.abs(old[j]) + times * abs, times * batch + 1, 0);
        }
        return r;
    }
}
