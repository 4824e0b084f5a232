package dev.vecrnn.nn.train;

/**
 * PyTorch's optimizer algorithms in double, transcribed from the torch.optim documentation (the
 * pseudo-code of SGD, Adam, AdamW and RMSprop), one param at a time. Independent of the code under test.
 */
interface OptimizerReference {

    /** Updates param {@code index} (its values x, its gradient g) at step t (from 1) with learning rate lr. */
    void step(int index, double[] x, double[] g, int t, double lr);

    /** torch.optim.SGD. */
    static OptimizerReference sgd(int params, double momentum, double dampening, double weightDecay, boolean nesterov) {
        double[][] bufs = new double[params][];
        return (index, x, g, t, lr) -> {
            for (int i = 0; i < x.length; i++) {
                double gt = g[i];
                if (weightDecay != 0) gt = gt + weightDecay * x[i];
                if (momentum != 0) {
                    if (bufs[index] == null) bufs[index] = new double[x.length];
                    double[] b = bufs[index];
                    b[i] = t > 1 ? momentum * b[i] + (1 - dampening) * gt : gt;
                    gt = nesterov ? gt + momentum * b[i] : b[i];
                }
                x[i] = x[i] - lr * gt;
            }
        };
    }

    /** torch.optim.Adam (amsgrad=False, maximize=False). */
    static OptimizerReference adam(int params, double beta1, double beta2, double eps, double weightDecay) {
        double[][] ms = new double[params][];
        double[][] vs = new double[params][];
        return (index, x, g, t, lr) -> {
            if (ms[index] == null) {
                ms[index] = new double[x.length];
                vs[index] = new double[x.length];
            }
            double[] m = ms[index];
            double[] v = vs[index];
            for (int i = 0; i < x.length; i++) {
                double gt = g[i];
                if (weightDecay != 0) gt = gt + weightDecay * x[i];
                m[i] = beta1 * m[i] + (1 - beta1) * gt;
                v[i] = beta2 * v[i] + (1 - beta2) * gt * gt;
                double mHat = m[i] / (1 - Math.pow(beta1, t));
                double vHat = v[i] / (1 - Math.pow(beta2, t));
                x[i] = x[i] - lr * mHat / (Math.sqrt(vHat) + eps);
            }
        };
    }

    /** torch.optim.AdamW (amsgrad=False, maximize=False). */
    static OptimizerReference adamW(int params, double beta1, double beta2, double eps, double weightDecay) {
        double[][] ms = new double[params][];
        double[][] vs = new double[params][];
        return (index, x, g, t, lr) -> {
            if (ms[index] == null) {
                ms[index] = new double[x.length];
                vs[index] = new double[x.length];
            }
            double[] m = ms[index];
            double[] v = vs[index];
            for (int i = 0; i < x.length; i++) {
                x[i] = x[i] - lr * weightDecay * x[i];
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(beta1, t));
                double vHat = v[i] / (1 - Math.pow(beta2, t));
                x[i] = x[i] - lr * mHat / (Math.sqrt(vHat) + eps);
            }
        };
    }

    /** torch.optim.RMSprop (centered=False, maximize=False). */
    static OptimizerReference rmsProp(int params, double alpha, double eps, double weightDecay, double momentum) {
        double[][] vs = new double[params][];
        double[][] bufs = new double[params][];
        return (index, x, g, t, lr) -> {
            if (vs[index] == null) {
                vs[index] = new double[x.length];
                bufs[index] = new double[x.length];
            }
            double[] v = vs[index];
            double[] b = bufs[index];
            for (int i = 0; i < x.length; i++) {
                double gt = g[i];
                if (weightDecay != 0) gt = gt + weightDecay * x[i];
                v[i] = alpha * v[i] + (1 - alpha) * gt * gt;
                if (momentum > 0) {
                    b[i] = momentum * b[i] + gt / (Math.sqrt(v[i]) + eps);
                    x[i] = x[i] - lr * b[i];
                } else {
                    x[i] = x[i] - lr * gt / (Math.sqrt(v[i]) + eps);
                }
            }
        };
    }
}
