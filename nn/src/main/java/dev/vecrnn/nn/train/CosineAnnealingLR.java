package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * {@code torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max, eta_min=0)}. Its closed form, {@link #lrAt}
 * and {@link #setLastEpoch}: {@code lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2}.
 * {@link #step()} uses PyTorch's recursive form on the optimizer's rate now, equal to the closed form unless the rate
 * was set from outside, which it then carries on from:
 * {@code lr = eta_min + (lr - eta_min) * (1 + cos(pi * t / T_max)) / (1 + cos(pi * (t - 1) / T_max))}, and
 * {@code lr + (base_lr - eta_min) * (1 - cos(pi / T_max)) / 2} at {@code t = (2k + 1) T_max + 1}. Past
 * {@code T_max} the cosine goes on (the rate climbs back towards base_lr over the next T_max epochs), as PyTorch's
 * does; a rate set below eta_min there would be driven negative, which step() refuses (PyTorch goes on with it).
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
    double chained(double current, int epoch) {
        if (Math.floorMod(epoch - 1 - tMax, 2 * tMax) == 0) return current + (baseLr - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
        return (1 + Math.cos(Math.PI * epoch / tMax)) / (1 + Math.cos(Math.PI * (epoch - 1) / tMax)) * (current - etaMin) + etaMin;
    }

    @Override
    public String toString() {
        return "CosineAnnealingLR(tMax=" + tMax + ", etaMin=" + etaMin + ", baseLr=" + baseLr + ")";
    }
}
