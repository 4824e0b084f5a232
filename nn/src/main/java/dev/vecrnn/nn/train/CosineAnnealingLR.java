package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * {@code torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max, eta_min=0)} in its closed form:
 * {@code lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2}. Past {@code T_max} the
 * cosine goes on (the rate climbs back towards base_lr over the next T_max epochs), as PyTorch's does.
 */
public final class CosineAnnealingLR extends ClosedFormLrScheduler {
    private final int tMax;
    private final double etaMin;

    public CosineAnnealingLR(Optimizer optimizer, int tMax) {
        this(optimizer, tMax, 0);
    }

    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        super(optimizer);
        Require.positive("tMax", tMax);
        Require.nonNegative("etaMin", etaMin);
        this.tMax = tMax;
        this.etaMin = etaMin;
    }

    @Override
    public double lrAt(int epoch) {
        checkEpoch(epoch);
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }

    @Override
    public String toString() {
        return "CosineAnnealingLR(tMax=" + tMax + ", etaMin=" + etaMin + ", baseLr=" + baseLr + ")";
    }
}
